"""`dlsys release LAB | --all`: lint source/LAB, then nbgrader generate_assignment into release/LAB
(solutions and hidden tests removed, outputs cleared, checksums set).
`dlsys release --student-edition OUT [--labs LAB ...]`: the copy of the course students get (autograder/edition.py)."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.cells import mark_hidden_removed
from autograder.course import CourseError, lab_dir, labs, notebooks
from autograder.lint import lint_lab


def generate(root: Path, lab: str) -> None:
    """Run nbgrader generate_assignment for one lab in the course at root (no gradebook needed), then flag the
    test cells whose hidden tests it removed (so `dlsys validate` does not call their public part a pass)."""
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force", "--no-db",
               "--log-level=WARN"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise CourseError(f"nbgrader generate_assignment {lab} failed:\n{done.stdout}{done.stderr}")
    for name, source in notebooks(root, lab).items():
        released = Path(root) / "release" / lab / name
        notebook = nbformat.read(released, as_version=4)
        mark_hidden_removed(nbformat.read(source, as_version=4), notebook)
        nbformat.write(notebook, released)


def release_lab(root: Path, lab: str) -> None:
    """Lint, then generate release/LAB; raises CourseError listing the problems."""
    lab_dir(root, lab)
    problems = lint_lab(root, lab)
    if problems:
        raise CourseError(f"source/{lab} is not ready to release:\n  " + "\n  ".join(problems))
    generate(root, lab)


def main(argv: list[str]) -> int:
    """Entry point of `dlsys release`."""
    parser = argparse.ArgumentParser(prog="dlsys release", description=__doc__)
    parser.add_argument("lab", nargs="?", help="lab folder under source/")
    parser.add_argument("--all", action="store_true", help="release every lab under source/")
    parser.add_argument("--student-edition", type=Path, metavar="OUT",
                        help="write the students' copy of the course to OUT (graded regions of dlsys_lab stubbed)")
    parser.add_argument("--labs", nargs="+", metavar="LAB", help="with --student-edition: the labs released so far "
                        "(default: all)")
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.student_edition:
        if args.lab or args.all:
            parser.error("--student-edition takes no LAB or --all; name the labs with --labs")
        return _student_edition(root, args.student_edition, args.labs)
    if args.labs:
        parser.error("--labs goes with --student-edition")
    if bool(args.lab) == args.all:
        parser.error("give a LAB or --all")
    try:
        for lab in labs(root) if args.all else [args.lab]:
            release_lab(root, lab)
            print(f"released source/{lab} -> release/{lab}")
    except CourseError as exc:
        print(f"dlsys release: {exc}", file=sys.stderr)
        return 1
    return 0


def _student_edition(root: Path, out: Path, labs: list[str] | None) -> int:
    from autograder.edition import build_edition
    try:
        record = build_edition(root, out, labs)
    except CourseError as exc:
        print(f"dlsys release: {exc}", file=sys.stderr)
        return 1
    count = sum(map(len, record["regions"].values()))
    print(f"student edition in {out}: labs {', '.join(record['labs']) or 'none'}; {count} regions of dlsys_lab "
          f"stubbed except those of unlocked labs ({', '.join(record['unlocked']) or 'none'})")
    return 0
