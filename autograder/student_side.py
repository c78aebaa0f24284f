"""The loop inside the sandbox: runs the cells it is sent in an IPython shell and answers questions
about the student's objects with plain data or handles. Everything here is untrusted once student code ran."""
from __future__ import annotations

import os
import sys

from autograder import wire


def serve(read_fd: int, write_fd: int) -> None:
    """Answer the judge's requests until it closes the channel."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell(config=config)
    handles: dict[int, object] = {}

    def handle_of(obj):
        handles[id(obj)] = obj
        return {"t": "ref", "id": id(obj), "type": type(obj).__name__}

    def resolve(ref):
        return handles[int(ref["id"] if isinstance(ref, dict) else ref)]

    while True:
        try:
            header, blobs = wire.receive(read_fd)
        except wire.ChannelClosed:
            return
        try:
            reply, out_blobs = _answer(shell, header, blobs, handle_of, resolve)
        except BaseException as exc:  # the student's exception, reported as data
            reply, out_blobs = {"ok": False, "error": _describe(exc)}, []
        sys.stdout.flush()
        sys.stderr.flush()
        wire.send(write_fd, reply, out_blobs)


def _answer(shell, header, blobs, handle_of, resolve):
    op = header["op"]
    if op == "run":
        result = shell.run_cell(header["code"], store_history=False)
        error = result.error_before_exec or result.error_in_exec
        return ({"ok": False, "error": _describe(error)} if error else {"ok": True}), []
    if op == "get":
        value = shell.user_ns[header["name"]] if header["name"] in shell.user_ns else _missing(header["name"])
    elif op == "getattr":
        value = getattr(resolve(header["ref"]), header["name"])
    elif op == "getitem":
        value = resolve(header["ref"])[wire.decode(header["key"], blobs, resolve)]
    elif op == "len":
        value = len(resolve(header["ref"]))
    elif op == "call":
        args, kwargs = wire.decode(header["args"], blobs, resolve)
        value = resolve(header["ref"])(*args, **kwargs)
    else:
        raise ValueError(f"unknown request {op!r}")
    tree, out = wire.encode(value, handle_of)
    return {"ok": True, "value": tree}, out


def _missing(name):
    raise NameError(f"name {name!r} is not defined")


def _describe(exc) -> dict:
    return {"type": type(exc).__name__, "message": str(exc)[:2000]}


def close_other_fds(keep: list[int]) -> None:
    """Close every inherited descriptor except stdio and keep."""
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
