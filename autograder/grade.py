"""`dlsys grade LAB SUBMISSIONS [--jobs N] [--timeout S] [--memory MB]`: grade every submission in a
pool of warm sandboxed workers; write grades/LAB/grades.csv, feedback HTML and nbgrader's gradebook.
The command line only: the work is `grading.grade_lab`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import course, report
from autograder.grading import Options, grade_lab
from autograder.limit_options import add_limit_options, parse_limits


def main(argv: list[str]) -> int:
    """Entry point of `dlsys grade`; exit code 1 when any submission could not be graded."""
    parser = argparse.ArgumentParser(prog="dlsys grade", description=__doc__)
    parser.add_argument("lab")
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers")
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    parser.add_argument("--no-sandbox", action="store_true", help="only for notebooks you trust")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--cluster", default="", metavar="ADDRESS", help="a Dask scheduler (tcp://HOST:PORT) whose "
                        "workers grade the submissions instead of --jobs local workers")
    add_limit_options(parser)
    args = parser.parse_args(argv)
    options = Options(jobs=args.jobs, limits=parse_limits(args), force=args.force,
                      use_sandbox=not args.no_sandbox, progress=not args.quiet, cluster=args.cluster)
    try:
        graded = grade_lab(Path.cwd(), args.lab, args.submissions, options)
    except course.CourseError as exc:
        print(f"dlsys grade: {exc}", file=sys.stderr)
        return 2
    if not graded:
        print(f"dlsys grade: no submissions in {args.submissions}; expected <student>/{args.lab}/*.ipynb, "
              "<student>/*.ipynb, <student>.ipynb or <student>.zip", file=sys.stderr)
        return 1
    print(report.summary_table(graded))
    print(f"grades: grades/{args.lab}/grades.csv; feedback: grades/{args.lab}/feedback/")
    return 0 if all(result.graded for _, result in graded) else 1
