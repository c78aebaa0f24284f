"""`dlsys release LAB | --all`: lint source/LAB, then nbgrader generate_assignment into release/LAB
(solutions and hidden tests removed, outputs cleared, checksums set)."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from autograder.course import CourseError, lab_dir, labs
from autograder.lint import lint_lab


def generate(root: Path, lab: str) -> None:
    """Run nbgrader generate_assignment for one lab in the course at root (no gradebook needed)."""
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force", "--no-db",
               "--log-level=WARN"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise CourseError(f"nbgrader generate_assignment {lab} failed:\n{done.stdout}{done.stderr}")


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
    args = parser.parse_args(argv)
    root = Path.cwd()
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
