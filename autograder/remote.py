"""The judge's view of the sandbox: requests with deadlines, and proxies for the student's objects.
Only plain data comes back; a proxy forwards attribute access and calls, never dunder protocols."""
from __future__ import annotations

import os
import time

from autograder import wire
from autograder.protocol import CellError, Status


class SandboxGone(BaseException):
    """The sandbox timed out, crashed or broke the protocol; a BaseException so tests cannot swallow it.
    status and detail: what the notebook's status becomes; generic: the judge only saw the channel close, so how
    the process ended says more."""

    def __init__(self, status: Status, detail: str, generic: bool = False):
        super().__init__(status.text(detail))
        self.status, self.detail, self.generic = status, detail, generic

    @property
    def cause(self) -> str:
        """The status in words."""
        return self.status.text(self.detail)


class StudentError(Exception):
    """The student's code raised while the judge was asking it something; kind: its exception's type name."""

    def __init__(self, message: str, kind: str = "Exception"):
        super().__init__(message)
        self.kind = kind


# what the sandbox replies when the value asked for cannot be sent (see student_side.serve)
REPLY_FAILURES = {"ReplyTooLarge": "a reply was over the size limit per reply",
                  "ReplyOutOfMemory": "a reply did not fit in the sandbox's memory while being encoded"}


class Remote:
    """The channel to one sandbox, with a per-request and a whole-notebook deadline (for writes too: the
    judge's end is non-blocking), a size limit per reply and a budget of bytes for all replies together.
    While `hidden` is set (a hidden test runs), statuses name no request."""

    def __init__(self, read_fd: int, write_fd: int, limits, notebook_deadline: float):
        os.set_blocking(write_fd, False)
        self.read_fd, self.write_fd = read_fd, write_fd
        self.cell_timeout, self.notebook_deadline = limits.cell_timeout, notebook_deadline
        self.max_bytes, self.budget = limits.output_mb << 20, limits.wire_mb << 20
        self.gone: SandboxGone | None = None
        self.notice: tuple[Status, str] | None = None   # a status although the notebook went on (a reply too large)
        self.what, self.hidden = "", False

    def close(self) -> None:
        """Close the judge's ends of the channel."""
        os.close(self.write_fd)
        os.close(self.read_fd)

    def request(self, header: dict, blobs=()):
        """Send a request and wait for its reply (header, blobs)."""
        if self.gone:
            raise self.gone
        now = time.monotonic()
        per_cell = now + self.cell_timeout
        deadline = min(per_cell, self.notebook_deadline)
        what = "a hidden test" if self.hidden else self.what
        try:
            wire.send(self.write_fd, header, blobs, deadline)
            reply, out = wire.receive(self.read_fd, deadline, self.max_bytes)
            self.budget -= sum(map(len, out))
            if self.budget < 0:
                raise wire.OverLimit("the notebook's replies came to more than the judge accepts per notebook")
        except wire.ChannelTimeout:
            limit = (f"{self.cell_timeout:g} s per cell" if per_cell <= self.notebook_deadline
                     else "the time limit for the notebook")
            self.gone = SandboxGone(Status.TIMEOUT, f"{what} ran over {limit}")
        except wire.ChannelClosed:
            self.gone = SandboxGone(Status.CRASHED, f"the notebook's process died during {what}", generic=True)
        except wire.OverLimit as exc:
            self.gone = SandboxGone(Status.OUTPUT, f"{exc} (during {what})")
        except (wire.ProtocolError, ValueError, KeyError, OverflowError) as exc:
            self.gone = SandboxGone(Status.CRASHED, f"the notebook's process broke the protocol ({exc})")
        if self.gone:
            raise self.gone
        return reply, out

    def run(self, code: str, what: str) -> CellError | None:
        """Run a cell in the sandbox; returns the error it raised or None."""
        self.what = what
        reply, _ = self.request({"op": "run", "code": code})
        return None if reply.get("ok") is True else CellError.from_json(reply.get("error"))

    def value(self, header: dict, label: str, blobs=()):
        """The decoded answer to a get/getattr/call/getitem/len request."""
        self.what = label
        reply, out = self.request(header, blobs)
        if reply.get("ok") is not True:
            error = CellError.from_json(reply.get("error"))
            if error.type in REPLY_FAILURES and not self.notice:
                self.notice = (Status.OUTPUT,
                               f"{REPLY_FAILURES[error.type]} ({'a hidden test' if self.hidden else label})")
            raise StudentError(f"{label} raised {error.type}: {error.message}", error.type)
        try:
            return wire.decode(reply.get("value"), out, lambda t: RemoteObject(self, t, label))
        except (wire.ProtocolError, ValueError, KeyError, TypeError, IndexError, OverflowError, MemoryError) as exc:
            self.gone = SandboxGone(Status.CRASHED, f"the notebook's process sent malformed data ({exc})")
            raise self.gone from None


class RemoteObject:
    """A handle on an object that lives in the sandbox (a student function, class, instance...)."""
    __slots__ = ("_remote", "_ref", "_label")

    def __init__(self, remote: Remote, tree: dict, label: str):
        object.__setattr__(self, "_remote", remote)
        object.__setattr__(self, "_ref", int(tree["id"]))
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._remote.value({"op": "getattr", "ref": self._ref, "name": name}, f"{self._label}.{name}")

    def __call__(self, *args, **kwargs):
        tree, blobs = wire.encode((list(args), kwargs), _handle_for_remote)
        return self._remote.value({"op": "call", "ref": self._ref, "args": tree}, f"{self._label}(...)", blobs)

    def __getitem__(self, key):
        tree, blobs = wire.encode(key, _handle_for_remote)
        return self._remote.value({"op": "getitem", "ref": self._ref, "key": tree}, f"{self._label}[...]", blobs)

    def __len__(self) -> int:
        n = self._remote.value({"op": "len", "ref": self._ref}, f"len({self._label})")
        if type(n) is not int or n < 0:
            raise TypeError(f"len({self._label}) is not a non-negative int")
        return n

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        raise TypeError(f"{self._label} is an object of the student's, not a plain value; return a bool or a number")

    def __repr__(self) -> str:
        return f"<student object {self._label}>"


def _handle_for_remote(value):
    if isinstance(value, RemoteObject):
        return {"t": "ref", "id": value._ref}
    raise TypeError(f"cannot pass a {type(value).__name__} into student code; pass arrays, numbers, lists or dicts")
