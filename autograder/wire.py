"""Length-prefixed frames between the judge and the sandbox: a JSON header and raw array bytes.
Decoding builds only plain data (numbers, strings, containers, numeric arrays) or handles: never pickles."""
from __future__ import annotations

import json
import os
import select
import struct
import time

import numpy as np

ARRAY_KINDS = "biufc"          # bool, int, uint, float, complex: the only dtypes that cross
MAX_DEPTH = 64
HEAD = struct.Struct("!QI")     # total length, header length


class ChannelClosed(Exception):
    """The other side closed the pipe or died."""


class ChannelTimeout(Exception):
    """The other side did not answer in time."""


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame."""


class OverLimit(ProtocolError):
    """A frame, or all of a notebook's replies together, over the bytes the judge accepts."""


def encode(value, handle_of, depth: int = 0):
    """(tree, blobs): value as JSON-able tree; non-data objects go through handle_of(obj) -> tree."""
    blobs: list[bytes] = []

    def enc(v, d):
        if d > MAX_DEPTH:
            raise ValueError("value nested too deeply to send")
        if v is None or isinstance(v, (bool, str)) or type(v) in (int, float):
            return v if type(v) is not float or np.isfinite(v) else {"t": "float", "v": repr(v)}
        if type(v) in (list, tuple):
            return {"t": type(v).__name__, "v": [enc(x, d + 1) for x in v]}
        if type(v) is dict:
            return {"t": "dict", "v": [[enc(k, d + 1), enc(x, d + 1)] for k, x in v.items()]}
        if isinstance(v, np.generic) and v.dtype.kind in ARRAY_KINDS:
            return {"t": "npscalar", "v": enc_array(np.asarray(v))}
        if type(v) is np.ndarray and v.dtype.kind in ARRAY_KINDS:
            return enc_array(v)
        if type(v).__module__ == "torch" and type(v).__name__ in ("Tensor", "Parameter"):
            return {"t": "torch", "v": enc_array(v.detach().cpu().numpy())}
        return handle_of(v)

    def enc_array(a):
        a = np.ascontiguousarray(a).reshape(np.shape(a))  # ascontiguousarray makes 0-d arrays 1-d
        blobs.append(a.tobytes())
        return {"t": "nd", "dtype": a.dtype.str, "shape": list(a.shape), "blob": len(blobs) - 1}

    return enc(value, depth), blobs


def decode(tree, blobs, handle_from):
    """The value a tree describes; handles become handle_from(tree)."""
    def dec(v, d):
        if d > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if not isinstance(v, dict) or "t" not in v:
            raise ProtocolError(f"unexpected item {type(v).__name__}")
        kind = v["t"]
        if kind == "float":
            return float(str(v["v"])[:40])
        if kind in ("list", "tuple"):
            items = [dec(x, d + 1) for x in v["v"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {dec(k, d + 1): dec(x, d + 1) for k, x in v["v"]}
        if kind == "nd":
            return dec_array(v)
        if kind == "npscalar":
            return dec_array(v["v"])[()]
        if kind == "torch":
            import torch
            return torch.from_numpy(dec_array(v["v"]).copy())
        if kind == "ref":
            return handle_from(v)
        raise ProtocolError(f"unknown item kind {kind!r}")

    def dec_array(v):
        dtype = np.dtype(v["dtype"])
        if dtype.kind not in ARRAY_KINDS or dtype.hasobject:
            raise ProtocolError(f"dtype {dtype} may not cross the sandbox boundary")
        shape = tuple(int(s) for s in v["shape"])
        data = blobs[int(v["blob"])]
        if len(data) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise ProtocolError("array bytes do not match its shape")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()

    return dec(tree, 0)


def frame(header: dict, blobs=()) -> bytes:
    """The bytes of one frame."""
    head = json.dumps(header).encode()
    body = head + b"".join(struct.pack("!Q", len(b)) + b for b in blobs)
    return HEAD.pack(len(body), len(head)) + body


def send(fd: int, header: dict, blobs=(), deadline: float | None = None) -> None:
    """Write one frame; with a deadline, fd must be non-blocking (ChannelTimeout when the reader stalls)."""
    write_all(fd, frame(header, blobs), deadline)


def write_all(fd: int, data: bytes, deadline: float | None) -> None:
    """Write every byte, by the deadline (a time.monotonic() value) if one is given."""
    view = memoryview(data)
    while view:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([], [fd], [], wait)[1]:
                raise ChannelTimeout()
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue
        except OSError as exc:
            raise ChannelClosed(str(exc)) from exc


def receive(fd: int, deadline: float | None = None, max_bytes: int = 1 << 30):
    """Read one frame as (header, blobs); deadline is a time.monotonic() value or None."""
    total, head_len = HEAD.unpack(read_exact(fd, HEAD.size, deadline))
    if total > max_bytes:
        raise OverLimit(f"a reply of {total >> 20} MB is over the limit of {max_bytes >> 20} MB per reply")
    if head_len > total:
        raise ProtocolError("malformed frame")
    body = read_exact(fd, total, deadline)
    try:
        header = json.loads(body[:head_len])
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"bad header: {exc}") from None
    blobs, pos = [], head_len
    while pos < total:
        (size,) = struct.unpack_from("!Q", body, pos)
        blobs.append(bytes(body[pos + 8:pos + 8 + size]))
        pos += 8 + size
    if pos != total or not isinstance(header, dict):
        raise ProtocolError("malformed frame")
    return header, blobs


def read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    """Exactly n bytes (ChannelClosed at end of input, ChannelTimeout after the deadline)."""
    chunks, left = [], n
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise ChannelTimeout()
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
