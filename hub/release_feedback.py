"""Release the feedback `dlsys grade` wrote to the students who handed in through nbgrader's exchange.

    python hub/release_feedback.py LAB [--collected collected]     (run in the course, after `dlsys grade`)

`nbgrader collect --CourseDirectory.submitted_directory=collected LAB` keeps, next to each student's notebooks,
the submission's timestamp.txt and submission_secret.txt; `nbgrader release_feedback` needs both beside each
feedback page (the secret names the page in the exchange, so that only its student finds it). This puts
grades/LAB/feedback/STUDENT/*.html and those two files into feedback/STUDENT/LAB/, then runs
`nbgrader release_feedback LAB`; students get it with `nbgrader fetch_feedback LAB` or the Assignments panel."""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


def stage(course: Path, lab: str, collected: str = "collected") -> tuple[list[str], list[str]]:
    """Copy each graded student's feedback pages and submission files into feedback/STUDENT/LAB/; returns
    (students staged, notes on students skipped)."""
    graded = course / "grades" / lab / "feedback"
    if not graded.is_dir():
        raise SystemExit(f"no feedback in {graded}: run `dlsys grade {lab} {collected}` first")
    staged, notes = [], []
    for student_dir in sorted(p for p in graded.iterdir() if p.is_dir()):
        student = student_dir.name
        submission = course / collected / student / lab
        missing = [name for name in SUBMISSION_FILES if not (submission / name).is_file()]
        if missing:
            notes.append(f"{student}: skipped, {submission} has no {', '.join(missing)} "
                         "(not handed in through the exchange, or collected elsewhere)")
            continue
        target = course / "feedback" / student / lab
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for page in student_dir.glob("*.html"):
            shutil.copyfile(page, target / page.name)
        for name in SUBMISSION_FILES:
            shutil.copyfile(submission / name, target / name)
        staged.append(student)
    return staged, notes


def main(argv: list[str] | None = None) -> int:
    """Stage the feedback, then `nbgrader release_feedback LAB`; its exit status."""
    parser = argparse.ArgumentParser(prog="hub/release_feedback.py", description=__doc__.split("\n")[0])
    parser.add_argument("lab")
    parser.add_argument("--collected", default="collected", help="where `nbgrader collect` put the submissions")
    args = parser.parse_args(argv)
    staged, notes = stage(Path.cwd(), args.lab, args.collected)
    for note in notes:
        print(note, file=sys.stderr)
    print(f"feedback staged for {len(staged)} student(s): {', '.join(staged) or 'none'}")
    if not staged:
        return 1
    return subprocess.run([sys.executable, "-m", "nbgrader", "release_feedback", args.lab]).returncode


if __name__ == "__main__":
    sys.exit(main())
