"""Grading one submission in the judge: for each notebook, ask the sandbox template for a fresh sandbox,
drive it, then stop it (its whole PID namespace goes with it)."""
from __future__ import annotations

import time
from pathlib import Path

import nbformat

from autograder.judge import grade_notebook
from autograder.launcher import Sandboxes
from autograder.protocol import NotebookResult, Status, SubmissionResult, Task
from autograder.remote import Remote


def judge_submission(task: Task, sandboxes: Sandboxes) -> SubmissionResult:
    """Grade every notebook of a task, each in a sandbox of its own from `sandboxes`."""
    deadline = time.monotonic() + task.limits.notebook_timeout
    results = []
    for name, source_path in task.source_notebooks.items():
        student_path = task.student_notebooks.get(name)
        if student_path is None:
            results.append(NotebookResult(name, status=Status.ERROR, detail=f"{name} not found in the submission"))
            continue
        results.append(_grade_one(name, source_path, student_path, task, deadline, sandboxes))
    return SubmissionResult(task.task_id, results)


def _grade_one(name, source_path, student_path, task: Task, deadline, sandboxes) -> NotebookResult:
    read_fd, write_fd = sandboxes.start(Path(student_path).parent, task)
    remote = Remote(read_fd, write_fd, task.limits, deadline)
    try:
        source_nb = nbformat.read(source_path, as_version=4)
        student_nb = nbformat.read(student_path, as_version=4)
        result = grade_notebook(name, source_nb, student_nb, remote)
    finally:
        remote.close()
        crashed = remote.gone is not None and remote.gone.generic
        exit_cause = sandboxes.stop(patience=1.0 if crashed else 0.0)
    if crashed and exit_cause:
        result.status, result.detail = Status.CRASHED, exit_cause
    return result
