"""A warm grading worker: imports the heavy modules a lab needs once, then forks a fresh judge (which
forks the sandbox) for every submission, so no submission pays for `import torch` or sees another's state."""
from __future__ import annotations

import importlib
import json
import os
import sys
import time

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def warm_up(modules: list[str]) -> None:
    """Import what every submission will need; missing modules are skipped."""
    for name in ["numpy", "IPython.core.interactiveshell", "nbformat", *modules]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a lab may import optional modules
            pass


def run_forked(task: dict) -> dict:
    """Grade one task in a forked judge process; the worker itself never reads a test or a solution."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            from autograder.runner import grade_submission
            payload = grade_submission(task)
        except BaseException as exc:  # noqa: BLE001 - reported, never raised into the worker
            payload = {"error": f"grader error: {type(exc).__name__}: {exc}"}
        with os.fdopen(write_fd, "w") as out:
            json.dump(payload, out)
        os._exit(0)
    os.close(write_fd)
    budget = task["limits"]["notebook_timeout"] + 60
    data = _read_all(read_fd, pid, time.monotonic() + budget)
    if task["sandbox"]:
        from autograder.sandbox import kill_uid
        kill_uid(task["uid"])
    try:
        return json.loads(data) if data else {"error": "grader error: the judge process died"}
    except ValueError:
        return {"error": "grader error: the judge sent an unreadable result"}


def _read_all(fd: int, pid: int, deadline: float) -> bytes:
    import select
    import signal
    chunks = []
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    os.waitpid(pid, 0)
    return b"".join(chunks)


def main() -> None:
    """Serve tasks: one JSON line in on stdin, one JSON line out."""
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    warm_up(json.loads(sys.argv[1]) if len(sys.argv) > 1 else [])
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        task = json.loads(line)
        result = run_forked(task)
        result["task_id"] = task["task_id"]
        protocol.write(json.dumps(result) + "\n")
        protocol.flush()


if __name__ == "__main__":
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
