"""Grading one submission: for each notebook, fork the sandboxed student process, drive it from the
judge, then kill whatever it left behind. Runs in a process forked from a warm worker."""
from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import sandbox, student_side
from autograder.judge import NotebookResult, grade_notebook
from autograder.remote import Remote

MAX_EXTRA_BYTES = 32 << 20


def grade_submission(task: dict) -> dict:
    """Grade every notebook of a task; returns {"notebooks": [...]} as JSON-able data."""
    limits = sandbox.Limits(**task["limits"])
    deadline = time.monotonic() + limits.notebook_timeout
    results = []
    for name, source_path in task["source_notebooks"].items():
        student_path = task["student_notebooks"].get(name)
        if student_path is None:
            results.append(NotebookResult(name, status=f"error: {name} not found in the submission").to_dict())
            continue
        results.append(_grade_one(name, source_path, student_path, task, limits, deadline).to_dict())
    return {"notebooks": results}


def _grade_one(name, source_path, student_path, task, limits, deadline) -> NotebookResult:
    to_student_r, to_student_w = os.pipe()
    to_judge_r, to_judge_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _student_process(to_student_r, to_judge_w, Path(student_path).parent, task, limits)
    os.close(to_student_r)
    os.close(to_judge_w)
    remote = Remote(to_judge_r, to_student_w, limits.cell_timeout, deadline, limits.output_mb << 20)
    try:
        source_nb = nbformat.read(source_path, as_version=4)
        student_nb = nbformat.read(student_path, as_version=4)
        result = grade_notebook(name, source_nb, student_nb, remote)
    finally:
        os.close(to_student_w)
        os.close(to_judge_r)
        crashed = remote.gone is not None and remote.gone.cause.startswith("crashed")
        exit_cause = _stop(pid, task, patience=1.0 if crashed else 0.0)
    if crashed and exit_cause:
        result.status = f"crashed: {exit_cause}"
    return result


def _student_process(read_fd, write_fd, folder: Path, task, limits) -> None:
    """The child: confine itself, then serve the judge. Never returns."""
    code = 0
    try:
        os.setsid()
        sandbox.die_with_parent()
        student_side.close_other_fds([read_fd, write_fd])
        files = _extra_files(folder)
        if task["sandbox"]:
            conf = sandbox.Confinement(task["uid"], task["hide"], task["keep"])
            sandbox.confine(conf, limits, files)
            log = os.open(".output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        else:  # validate: run beside the student's notebook, but leave nothing in their folder
            os.chdir(folder)
            sandbox.apply_limits(limits)
            log, log_path = tempfile.mkstemp(prefix="dlsys-output-", suffix=".log")
            os.unlink(log_path)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        student_side.serve(read_fd, write_fd)
    except BaseException:
        code = 70
    os._exit(code)


def _extra_files(folder: Path) -> dict[str, bytes]:
    """The submission's other files (data, helper modules), copied into the sandbox's scratch folder."""
    files, total = {}, 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb":
            total += path.stat().st_size
            if total > MAX_EXTRA_BYTES:
                break
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def _stop(pid: int, task, patience: float) -> str:
    """Kill the student process and everything it started; describe how it had ended, if it had."""
    give_up = time.monotonic() + patience
    ended, status = os.waitpid(pid, os.WNOHANG)
    while not ended and time.monotonic() < give_up:
        time.sleep(0.02)
        ended, status = os.waitpid(pid, os.WNOHANG)
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
    if task["sandbox"]:
        sandbox.kill_uid(task["uid"])
    if not ended:
        os.waitpid(pid, 0)
        return ""
    return _describe_exit(status)


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = {signal.SIGXCPU: "CPU time limit", signal.SIGXFSZ: "output size limit",
               signal.SIGKILL: "killed, likely out of memory", signal.SIGSEGV: "segmentation fault"}
        return f"{why.get(sig, 'signal')} ({signal.Signals(sig).name})"
    return f"the notebook's process exited with code {os.WEXITSTATUS(status)}"
