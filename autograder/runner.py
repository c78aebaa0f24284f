"""Grading one submission in the judge: for each notebook, ask the sandbox template for a fresh sandbox,
drive it, then stop it (its whole PID namespace goes with it)."""
from __future__ import annotations

import time
from pathlib import Path

import nbformat

from autograder import sandbox
from autograder.judge import NotebookResult, grade_notebook
from autograder.launcher import Sandboxes
from autograder.remote import Remote


def grade_submission(task: dict, sandboxes: Sandboxes) -> dict:
    """Grade every notebook of a task; returns {"notebooks": [...]} as JSON-able data."""
    limits = sandbox.Limits(**task["limits"])
    deadline = time.monotonic() + limits.notebook_timeout
    results = []
    for name, source_path in task["source_notebooks"].items():
        student_path = task["student_notebooks"].get(name)
        if student_path is None:
            results.append(NotebookResult(name, status=f"error: {name} not found in the submission").to_dict())
            continue
        results.append(_grade_one(name, source_path, student_path, task, limits, deadline, sandboxes).to_dict())
    return {"notebooks": results}


def _grade_one(name, source_path, student_path, task, limits, deadline, sandboxes) -> NotebookResult:
    read_fd, write_fd = sandboxes.start(Path(student_path).parent, task)
    remote = Remote(read_fd, write_fd, limits, deadline)
    try:
        source_nb = nbformat.read(source_path, as_version=4)
        student_nb = nbformat.read(student_path, as_version=4)
        result = grade_notebook(name, source_nb, student_nb, remote)
    finally:
        remote.close()
        crashed = remote.gone is not None and remote.gone.generic
        exit_cause = sandboxes.stop(patience=1.0 if crashed else 0.0)
    if crashed and exit_cause:
        result.status = f"crashed: {exit_cause}"
    return result
