"""`dlsys validate NOTEBOOK`: a student's self-check. Runs the notebook's own (public) tests the way the
grader does and prints one readable line per test."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.course import CourseError
from autograder.grade import Options, add_limit_options, make_tasks, parse_limits, run_tasks


def validate(path: Path, options: Options) -> dict:
    """Grade a notebook against its own test cells; returns the worker's result."""
    if not path.is_file():
        raise CourseError(f"{path} not found; give the path of your lab notebook (.ipynb)")
    sources = {path.name: path.resolve()}
    tasks = make_tasks({"self": sources}, sources, options)
    return run_tasks(tasks, sources, options)["self"]


def format_result(result: dict) -> tuple[list[str], bool]:
    """Lines to print and whether every test passed."""
    if "error" in result:
        return [result["error"]], False
    lines, passed = [], True
    for nb in result["notebooks"]:
        if nb["status"] != "ok":
            lines.append(f"{nb['notebook']}: {nb['status']}")
        for test in nb["tests"]:
            ok = test["score"] == test["points"]
            passed &= ok
            lines.append(f"{'PASS' if ok else 'FAIL'}  {test['grade_id']}  {test['score']:g}/{test['points']:g}"
                         + ("" if ok else f"  {test['message']}"))
        passed &= nb["status"] == "ok"
    return lines, passed


def main(argv: list[str]) -> int:
    """Entry point of `dlsys validate`; exit code 0 when every public test passes."""
    parser = argparse.ArgumentParser(prog="dlsys validate", description=__doc__)
    parser.add_argument("notebook", type=Path)
    add_limit_options(parser)
    args = parser.parse_args(argv)
    options = Options(jobs=1, limits=parse_limits(args), use_sandbox=False, progress=False)
    try:
        lines, passed = format_result(validate(args.notebook, options))
    except CourseError as exc:
        print(f"dlsys validate: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    print("all public tests pass (hidden tests run when your work is graded)" if passed
          else "some public tests fail; the messages above say what was checked")
    return 0 if passed else 1
