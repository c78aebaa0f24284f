"""`dlsys grade LAB SUBMISSIONS [--jobs N] [--timeout S] [--memory MB]`: grade every submission in a
pool of warm sandboxed workers; write grades/LAB/grades.csv, feedback HTML and nbgrader's gradebook."""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder import cells, cluster, course, launcher, pool, report, sandbox, workfolders
from autograder.edition import grading_package
from autograder.submissions import discover

FORMAT_VERSION = "1"


@dataclasses.dataclass
class Options:
    """How to grade."""
    jobs: int = 2
    limits: sandbox.Limits = dataclasses.field(default_factory=sandbox.Limits)
    force: bool = False
    use_sandbox: bool = True
    progress: bool = True
    package_root: str = ""      # where the sandbox imports dlsys_lab from ("" = the installed package)
    cluster: str = ""           # a Dask scheduler's address: grade there (autograder/cluster.py), not in a local pool


def lab_tests(sources: dict[str, Path]) -> tuple[list[str], float]:
    """Every graded test id of a lab in notebook order, and the lab's maximum score."""
    tests = [t for path in sources.values() for t in cells.test_cells(nbformat.read(path, as_version=4))]
    return [t.grade_id for t in tests], sum(t.points for t in tests)


def make_tasks(jobs: dict[str, dict[str, Path]], sources: dict[str, Path], options: Options):
    """Worker tasks for {task_id: {notebook name: student copy}}."""
    if options.use_sandbox and not sandbox.available():
        raise course.CourseError("the sandbox needs root or unprivileged user namespaces on Linux (`dlsys doctor` "
                                 "says which); run as root, or pass --no-sandbox for notebooks you trust")
    if options.package_root:
        _refuse_visible_reference()
    conf = launcher.conf_fields(sandbox.default_confinement(0, options.package_root or None))
    return [{"task_id": task_id, "source_notebooks": {n: str(p) for n, p in sources.items()},
             "student_notebooks": {n: str(p) for n, p in notebooks.items()},
             "limits": dataclasses.asdict(options.limits), "sandbox": options.use_sandbox,
             "conf": conf} for task_id, notebooks in jobs.items()]


def _refuse_visible_reference() -> None:
    """The sandbox shows the Python installation: a dlsys_lab installed inside it would show the graded regions."""
    from autograder.edition import reference_package
    reference = str(reference_package())
    if any(reference.startswith(str(Path(path).resolve()) + "/") for path in sandbox.python_installation()):
        raise course.CourseError(f"the grader's dlsys_lab ({reference}) lies inside the Python installation, which "
                                 "the sandbox shows, so students could read the graded regions; install the course "
                                 "editable (`make setup`, pip install -e .)")


def run_tasks(tasks: list[dict], sources: dict[str, Path], options: Options) -> dict[str, dict]:
    """Grade tasks in the pool, with a progress bar when asked."""
    if not tasks:
        return {}
    from tqdm import tqdm
    bar = tqdm(total=len(tasks), unit="submission", disable=not options.progress, file=sys.stderr)
    try:
        grade_all = cluster.grade_all if options.cluster else pool.grade_all
        return grade_all(tasks, options.cluster or options.jobs, course.imported_modules(sources.values()),
                              on_done=lambda task_id, result: bar.update(1), package_dir=options.package_root or None)
    finally:
        bar.close()


def fingerprint(sources: dict[str, Path]) -> str:
    """Changes when the lab's source or the grading format changes (then everyone is regraded)."""
    hasher = hashlib.sha256(FORMAT_VERSION.encode())
    for name, path in sorted(sources.items()):
        hasher.update(name.encode() + path.read_bytes())
    return hasher.hexdigest()


def grade_lab(root: Path, lab: str, submissions: Path, options: Options) -> list[dict]:
    """Grade a lab's submissions; returns the CSV rows (also written under grades/LAB)."""
    sources = course.notebooks(root, lab)
    test_ids, max_score = lab_tests(sources)
    if not submissions.is_dir():
        raise course.CourseError(f"submissions folder {submissions} not found; give the folder that holds "
                                 "<student>/, <student>.ipynb or <student>.zip entries")
    out = root / "grades" / lab
    state_path = out / "state.json"
    state = report.load_state(state_path)
    fresh = fingerprint(sources)
    previous = state.get("students", {}) if state.get("fingerprint") == fresh and not options.force else {}
    temp = Path(tempfile.mkdtemp(prefix="dlsys-grade-"))
    try:
        found = discover(submissions, lab, list(sources), temp)
        todo = {s.student: s.notebooks for s in found if not s.error and not _unchanged(previous, s)}
        with grading_package(lab, root) as package_dir:
            options = dataclasses.replace(options, package_root=package_dir)
            results = run_tasks(make_tasks(todo, sources, options), sources, options)
        for sub in found:
            if sub.student in results and "notebooks" in results[sub.student]:
                workfolders.write(root, lab, sub.student, sources, sub.notebooks, results[sub.student])
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    students = dict(state.get("students", {})) if state.get("fingerprint") == fresh else {}
    for sub in found:
        if sub.error:
            result = {"error": sub.error}
        else:
            result = results.get(sub.student) or previous[sub.student]["result"]
        row = report.row_for(sub.student, lab, test_ids, max_score, result)
        students[sub.student] = {"digest": sub.digest, "row": row, "result": result}
        if sub.student in results or sub.error:
            report.write_feedback(out / "feedback", sub.student, lab, result)
    rows = [entry["row"] for entry in students.values()]
    report.write_csv(out / "grades.csv", rows, test_ids)
    state_path.write_text(json.dumps({"fingerprint": fresh, "students": students}))
    _record_gradebook(root, lab, sources, {s: e["result"] for s, e in students.items()})
    return rows


def _unchanged(previous: dict, sub) -> bool:
    entry = previous.get(sub.student)
    return bool(entry) and entry["digest"] == sub.digest and "error" not in entry["result"]


def _record_gradebook(root, lab, sources, results) -> None:
    from autograder import gradebook
    scores = {student: {nb["notebook"]: {t["grade_id"]: t["score"] for t in nb["tests"]}
                        for nb in result["notebooks"]}
              for student, result in results.items() if "notebooks" in result}
    gradebook.record(root, lab, sources, scores)


def parse_limits(args) -> sandbox.Limits:
    """Limits from the common command-line options."""
    return sandbox.Limits(cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout, memory_mb=args.memory)


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """--timeout, --notebook-timeout, --memory."""
    defaults = sandbox.Limits()
    parser.add_argument("--timeout", type=float, default=defaults.cell_timeout, help="seconds per cell")
    parser.add_argument("--notebook-timeout", type=float, default=defaults.notebook_timeout,
                        help="seconds per notebook")
    parser.add_argument("--memory", type=int, default=defaults.memory_mb, help="MB of memory per submission")


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
        rows = grade_lab(Path.cwd(), args.lab, args.submissions, options)
    except course.CourseError as exc:
        print(f"dlsys grade: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print(f"dlsys grade: no submissions in {args.submissions}; expected <student>/{args.lab}/*.ipynb, "
              "<student>/*.ipynb, <student>.ipynb or <student>.zip", file=sys.stderr)
        return 1
    print(report.summary_table(rows))
    print(f"grades: grades/{args.lab}/grades.csv; feedback: grades/{args.lab}/feedback/")
    return 1 if any(r["status"].startswith("error") for r in rows) else 0
