"""Seconds per submission: `dlsys grade` with --jobs 1 and --jobs 2 (sandbox on) against plain
`nbgrader autograde`, on the same copies of lab01 (a lab that imports torch), measured in one run."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = "lab01_models"


def make_course(root: Path, students: int) -> Path:
    """A course copy with `students` solution submissions, in both our layout and nbgrader's submitted/."""
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder / LAB, root / folder / LAB)
    (root / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", root / "autograder")
    shutil.copy(REPO / "nbgrader_config.py", root)
    for i in range(students):
        for base in (root / "subs", root / "submitted"):
            (base / f"s{i:03d}" / LAB).mkdir(parents=True)
            shutil.copy(REPO / "source" / LAB / f"{LAB}.ipynb", base / f"s{i:03d}" / LAB)
    return root


def run(command: list[str], cwd: Path) -> None:
    """Run a command with the environment's bin/ on PATH (nbgrader calls `alembic`); it must succeed."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of a command."""
    start = time.perf_counter()
    run(command, cwd)
    return time.perf_counter() - start


def main() -> None:
    """Print seconds per submission for each grader and the throughput ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as temp:
        root = make_course(Path(temp), args.submissions)
        python = sys.executable
        run([python, "-m", "nbgrader", "generate_assignment", LAB, "--force"], cwd=root)
        plain = timed([python, "-m", "nbgrader", "autograde", LAB], cwd=root)
        ours = {jobs: timed([python, "-m", "dlsys_lab", "grade", LAB, "subs", "--jobs", str(jobs), "--force",
                             "--quiet"], cwd=root) for jobs in (1, 2)}
    n = args.submissions
    print(f"{n} submissions of {LAB}; seconds per submission (wall, including worker start-up)")
    print(f"  nbgrader autograde      {plain / n:6.2f}")
    for jobs, seconds in ours.items():
        print(f"  dlsys grade --jobs {jobs}    {seconds / n:6.2f}   throughput x{plain / seconds:.2f} of nbgrader")


if __name__ == "__main__":
    main()
