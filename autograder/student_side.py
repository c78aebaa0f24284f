"""The loop inside the sandbox: runs the cells it is sent in an IPython shell and answers questions
about the student's objects with plain data or handles. Everything here is untrusted once student code ran."""
from __future__ import annotations

import os
import sys

from autograder import wire
from autograder.protocol import CellError


def serve(read_fd: int, write_fd: int, max_bytes: int = 1 << 30) -> None:
    """Answer the judge's requests until it closes the channel; a reply over max_bytes, or one that does not
    fit in memory while being encoded, is answered with an error that says so."""
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
        data = _frame(reply, out_blobs, max_bytes)
        reply = out_blobs = None
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        wire.write_all(write_fd, data, None)


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


def _frame(reply: dict, blobs: list, max_bytes: int) -> bytes:
    """The reply's frame, or an error frame naming why it cannot be sent."""
    try:
        data = wire.frame(reply, blobs)
    except MemoryError:
        data = None
        return wire.frame(_failure("ReplyOutOfMemory", "the reply did not fit in memory while being encoded"))
    if len(data) > max_bytes:
        size, data = len(data), None
        return wire.frame(_failure("ReplyTooLarge", f"the reply has {size >> 20} MB, over the limit of "
                                                    f"{max_bytes >> 20} MB per reply"))
    return data


def _failure(kind: str, message: str) -> dict:
    return {"ok": False, "error": CellError(kind, message).to_json()}


def _missing(name):
    raise NameError(f"name {name!r} is not defined")


def _describe(exc) -> dict:
    """The student's exception as a CellError message."""
    if isinstance(exc, SyntaxError):  # its text names IPython's file for the cell; the line is what helps
        return CellError(type(exc).__name__, f"{exc.msg} (line {exc.lineno})"[:2000]).to_json()
    return CellError(type(exc).__name__, str(exc)[:2000]).to_json()


def close_other_fds(keep: list[int]) -> None:
    """Close every inherited descriptor except stdio and keep."""
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
