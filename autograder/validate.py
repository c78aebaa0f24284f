"""`dlsys validate NOTEBOOK`: a student's self-check. Runs the notebook's own (public) tests the way the
grader does and prints one readable line per test."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from autograder import cells
from autograder.course import CourseError
from autograder.grading import Options, grade_submission, make_tasks
from autograder.limit_options import add_limit_options, parse_limits
from autograder.protocol import Status, SubmissionResult


def validate(path: Path, options: Options) -> SubmissionResult:
    """Grade a notebook against its own test cells; returns the worker's result."""
    if not path.is_file():
        raise CourseError(f"{path} not found; give the path of your lab notebook (.ipynb)")
    if _has_no_tests(path):
        raise CourseError(f"{path.name} has no graded tests (nbgrader test cells): lectures and lab sessions have "
                          "none; validate your copy of a graded lab, e.g. release/lab01_models/lab01_models.ipynb")
    sources = {path.name: path.resolve()}
    task, = make_tasks({"self": sources}, sources, options)
    return grade_submission(task, options)


def _has_no_tests(path: Path) -> bool:
    """True for a readable notebook without test cells (a corrupt one is left to grading, which names the fault)."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - any unreadable notebook gets grading's own status
        return False
    return not cells.test_cells(notebook)


def hidden_removed(path: Path) -> set[str]:
    """Grade ids of the notebook's test cells that the release flagged as having hidden tests."""
    return {t.grade_id for t in cells.test_cells(nbformat.read(path, as_version=4)) if t.hidden_removed}


def format_result(result: SubmissionResult, hidden_removed: set[str] = frozenset()) -> tuple[list[str], bool]:
    """Lines to print (one per test, then the total) and whether every test passed. A test in hidden_removed has
    checks only grading runs: its public part passing is said so, never as a pass."""
    if not result.graded:
        return [result.status.text(result.detail)], False
    lines, passed, certain, later, most = [], True, 0.0, 0.0, 0.0
    for nb in result.notebooks:
        if nb.status is not Status.OK:
            lines.append(f"{nb.notebook}: {nb.status_text}")
        for test in nb.tests:
            ok = test.score == test.points
            passed &= ok
            most += test.points
            name, mark = test.grade_id, f"{test.score:.3g}/{test.points:g}"
            if ok and name in hidden_removed:
                later += test.points
                lines.append(f"PUBLIC PART PASSED  {name}  ?/{test.points:g}  hidden checks run when graded")
            else:
                certain += test.score
                verdict = "PASS" if ok else ("PARTIAL" if test.score > 0 else "FAIL")
                lines.append(f"{verdict}  {name}  {mark}" + ("" if ok else f"  {test.message}"))
        passed &= nb.status is Status.OK
    total = f"total: {certain:.3g}/{most:g} points from the public tests"
    lines.append(total + (f"; {later:g} more depend on hidden checks that only grading runs" if later else ""))
    return lines, passed


def main(argv: list[str]) -> int:
    """Entry point of `dlsys validate`; exit code 0 when every public test passes."""
    parser = argparse.ArgumentParser(prog="dlsys validate", description=__doc__)
    parser.add_argument("notebook", type=Path)
    add_limit_options(parser)
    args = parser.parse_args(argv)
    options = Options(jobs=1, limits=parse_limits(args), use_sandbox=False, progress=False)
    try:
        lines, passed = format_result(validate(args.notebook, options), hidden_removed(args.notebook))
    except CourseError as exc:
        print(f"dlsys validate: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    print("all public tests pass (hidden tests run when your work is graded)" if passed
          else "some public tests fail; the messages above say what was checked")
    return 0 if passed else 1
