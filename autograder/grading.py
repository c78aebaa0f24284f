"""The grading library: the API the `grade`, `check` and `validate` commands (and any other front end: a cluster
path, a web hook) call. `grade_submission(task)` grades one `protocol.Task`; `make_tasks` and `run_tasks` grade
many in a pool of warm sandboxed workers; `grade_lab` grades a folder of submissions and writes
grades/LAB/grades.csv, feedback HTML and nbgrader's gradebook. Results are `protocol.SubmissionResult`s."""
from __future__ import annotations

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
from autograder.protocol import Status, SubmissionResult, Task
from autograder.submissions import discover

FORMAT_VERSION = "2"          # 2: state.json holds protocol.SubmissionResult.to_json()


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


def make_tasks(jobs: dict[str, dict[str, Path]], sources: dict[str, Path], options: Options) -> list[Task]:
    """Worker tasks for {task_id: {notebook name: student copy}}."""
    if options.use_sandbox and not sandbox.available():
        raise course.CourseError("the sandbox needs root or unprivileged user namespaces on Linux (`dlsys doctor` "
                                 "says which); run as root, or pass --no-sandbox for notebooks you trust")
    if options.package_root:
        _refuse_visible_reference()
    conf = launcher.conf_fields(sandbox.default_confinement(0, options.package_root or None))
    return [Task(task_id, {n: str(p) for n, p in sources.items()}, {n: str(p) for n, p in notebooks.items()},
                 options.limits, options.use_sandbox, conf) for task_id, notebooks in jobs.items()]


def _refuse_visible_reference() -> None:
    """The sandbox shows the Python installation: a dlsys_lab installed inside it would show the graded regions."""
    from autograder.edition import reference_package
    reference = str(reference_package())
    if any(reference.startswith(str(Path(path).resolve()) + "/") for path in sandbox.python_installation()):
        raise course.CourseError(f"the grader's dlsys_lab ({reference}) lies inside the Python installation, which "
                                 "the sandbox shows, so students could read the graded regions; install the course "
                                 "editable (`make setup`, pip install -e .)")


def run_tasks(tasks: list[Task], sources: dict[str, Path], options: Options) -> dict[str, SubmissionResult]:
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


def grade_submission(task: Task, options: Options | None = None) -> SubmissionResult:
    """Grade one task (from `make_tasks`) in a warm worker of its own. The task carries its limits and whether
    to use the sandbox; of options only package_root counts (the grading edition the judge imports, see
    `edition.grading_package`)."""
    return run_tasks([task], {n: Path(p) for n, p in task.source_notebooks.items()},
                     dataclasses.replace(options or Options(), jobs=1, progress=False))[task.task_id]


def fingerprint(sources: dict[str, Path]) -> str:
    """Changes when the lab's source or the grading format changes (then everyone is regraded)."""
    hasher = hashlib.sha256(FORMAT_VERSION.encode())
    for name, path in sorted(sources.items()):
        hasher.update(name.encode() + path.read_bytes())
    return hasher.hexdigest()


def grade_lab(root: Path, lab: str, submissions: Path, options: Options) -> list[tuple[dict, SubmissionResult]]:
    """Grade a lab's submissions; returns each student's CSV row (also written under grades/LAB) and result."""
    sources = course.notebooks(root, lab)
    test_ids, max_score = lab_tests(sources)
    if not submissions.is_dir():
        raise course.CourseError(f"submissions folder {submissions} not found; give the folder that holds "
                                 "<student>/, <student>.ipynb or <student>.zip entries")
    out = root / "grades" / lab
    state_path = out / "state.json"
    state = report.load_state(state_path)
    fresh = fingerprint(sources)
    kept = _kept(state) if state.get("fingerprint") == fresh else {}   # student -> (digest, result)
    previous = {} if options.force else kept
    temp = Path(tempfile.mkdtemp(prefix="dlsys-grade-"))
    try:
        found = discover(submissions, lab, list(sources), temp)
        todo = {s.student: s.notebooks for s in found if not s.error and not _unchanged(previous, s)}
        with grading_package(lab, root) as package_dir:
            options = dataclasses.replace(options, package_root=package_dir)
            results = run_tasks(make_tasks(todo, sources, options), sources, options)
        for sub in found:
            if sub.student in results and results[sub.student].graded:
                workfolders.write(root, lab, sub.student, sources, sub.notebooks, results[sub.student])
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    for sub in found:
        if sub.error:
            result = SubmissionResult(sub.student, status=Status.ERROR, detail=sub.error)
        else:
            result = results.get(sub.student) or previous[sub.student][1]
        kept[sub.student] = (sub.digest, result)
        if sub.student in results or sub.error:
            report.write_feedback(out / "feedback", sub.student, lab, result)
    rows = {s: report.row_for(s, lab, test_ids, max_score, result) for s, (_, result) in kept.items()}
    report.write_csv(out / "grades.csv", list(rows.values()), test_ids)
    state_path.write_text(json.dumps({"fingerprint": fresh, "students": {
        s: {"digest": digest, "row": rows[s], "result": result.to_json()} for s, (digest, result) in kept.items()}}))
    _record_gradebook(root, lab, sources, {s: result for s, (_, result) in kept.items()})
    return [(rows[s], result) for s, (_, result) in kept.items()]


def _kept(state: dict) -> dict[str, tuple[str, SubmissionResult]]:
    """The previous run's (digest, result) per student; an unreadable entry is graded again."""
    kept = {}
    for student, entry in state.get("students", {}).items():
        try:
            kept[student] = (entry["digest"], SubmissionResult.from_json(entry["result"]))
        except (KeyError, TypeError, ValueError):
            continue
    return kept


def _unchanged(previous: dict[str, tuple[str, SubmissionResult]], sub) -> bool:
    digest, result = previous.get(sub.student, ("", None))
    return result is not None and digest == sub.digest and result.graded


def _record_gradebook(root, lab, sources, results: dict[str, SubmissionResult]) -> None:
    from autograder import gradebook
    scores = {student: {nb.notebook: {t.grade_id: t.score for t in nb.tests} for nb in result.notebooks}
              for student, result in results.items() if result.graded}
    gradebook.record(root, lab, sources, scores)


