"""A warm grading worker: imports the heavy modules a lab needs once, then serves tasks without ever
reading one. For each task it forks the sandbox template and the judge, joined by a socket; the judge reads
the task from the worker's stdin and writes its result to the protocol pipe itself. So no judge or sandbox
can find an earlier submission's task, tests or result in the memory it was forked from.

Protocol (both ways): an 8-byte big-endian length, then that many bytes of JSON."""
from __future__ import annotations

import importlib
import json
import os
import select
import socket
import struct
import sys

from autograder.protocol import Status, SubmissionResult, Task
from autograder.sandbox import THREAD_VARS

LENGTH = struct.Struct("!Q")
NO_TASK = 3                    # the judge's exit code when the command closed the worker's stdin


def warm_up(modules: list[str]) -> None:
    """Import what every submission will need; missing modules are skipped."""
    for name in ["numpy", "IPython.core.interactiveshell", "nbformat", "autograder.runner", *modules]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a lab may import optional modules
            pass


def write_frame(fd: int, payload: dict) -> None:
    """One length-prefixed JSON frame."""
    from autograder import wire
    data = json.dumps(payload).encode()
    wire.write_all(fd, LENGTH.pack(len(data)) + data, None)


def read_frame(fd: int, deadline: float | None) -> dict | None:
    """One frame, or None at end of input."""
    from autograder import wire
    try:
        (size,) = LENGTH.unpack(wire.read_exact(fd, LENGTH.size, deadline))
    except wire.ChannelClosed:
        return None
    return json.loads(wire.read_exact(fd, size, deadline))


def serve_one(protocol: int, uid: int | None) -> bool:
    """Fork the template and the judge for the next task; False when there is no next task."""
    template_end, judge_end = socket.socketpair()
    template = os.fork()
    if template == 0:
        judge_end.close()
        os.close(protocol)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        from autograder.launcher import serve_template
        from autograder.sandbox import die_with_parent
        die_with_parent()
        serve_template(template_end, uid)
    judge = os.fork()
    if judge == 0:
        template_end.close()
        _judge(protocol, judge_end, uid)
    template_end.close()
    judge_end.close()
    _, status = os.waitpid(judge, 0)
    os.waitpid(template, 0)
    if uid is not None:
        from autograder.sandbox import kill_uid
        kill_uid(uid)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == NO_TASK:
        return False
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        write_frame(protocol, SubmissionResult("", status=Status.GRADER, detail="the judge process died").to_json())
    return True


def _judge(protocol: int, sock: socket.socket, uid: int | None) -> None:
    """Read one task, grade it, write its result. Never returns."""
    from autograder.sandbox import die_with_parent, limit_memory
    die_with_parent()
    message = read_frame(0, None)
    if message is None:
        os._exit(NO_TASK)
    task_id = str(message.get("task_id", ""))
    try:
        task = Task.from_json(message)
        limit_memory(2 * task.limits.memory_mb)
        from autograder.launcher import Sandboxes
        from autograder.runner import judge_submission
        result = judge_submission(task, Sandboxes(sock))
    except MemoryError:
        result = SubmissionResult(task_id, status=Status.GRADER,
                                  detail="the judge ran out of memory (the memory limit is twice --memory)")
    except BaseException as exc:  # noqa: BLE001 - reported, never raised into the worker
        result = SubmissionResult(task_id, status=Status.GRADER, detail=f"{type(exc).__name__}: {exc}")
    write_frame(protocol, result.to_json())
    os._exit(0)


def main() -> None:
    """Serve tasks until stdin closes. argv: JSON list of modules to preload, and the sandbox uid (or -1)."""
    protocol = os.dup(1)
    os.dup2(2, 1)
    warm_up(json.loads(sys.argv[1]) if len(sys.argv) > 1 else [])
    uid = int(sys.argv[2]) if len(sys.argv) > 2 and int(sys.argv[2]) >= 0 else None
    write_frame(protocol, {"ready": True})
    while select.select([0], [], [])[0] and serve_one(protocol, uid):
        pass


if __name__ == "__main__":
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
