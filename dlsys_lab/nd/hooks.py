"""Listening to backend calls: the hook dl.memory's tracker and graph capture stand on.

While a listener is registered, every loaded backend gets counting wrappers as instance attributes
that shadow its methods; with none registered the wrappers are removed, so backends run untouched
(zero cost when nobody listens). A listener's `call(backend, name, args, result)` sees each call.
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from .op_names import EWISE_OPS

# Backend functions that return arrays (new storage or a view) or write into one: the protocol's and those every
# backend derives from it (nd/backend.py). Only the outermost call is reported, under its own name (`ewise` and
# `reduce` under their op's), so nd.add(a, b) is one "add" whether a backend derives it or not.
HOOKED = tuple(dict.fromkeys((
    "from_numpy", "full", "astype", "ewise", "inplace", "reduce", "matmul", "reshape", "permute", "broadcast_to",
    "getitem", "setitem", "as_strided", "copy", "assign", *EWISE_OPS, "rsub", "rdiv", "power_ewise", "sum", "max",
    "stack", "pad", "flip")))
NAMED_BY_OP = ("ewise", "reduce")

LISTENERS: list = []
_installed: list = []
_calls = threading.local()  # .depth: backend calls under way on this thread


def _wrap(backend, name, method):
    by_op = name in NAMED_BY_OP

    @functools.wraps(method)
    def listened(*args, **kwargs):
        depth = getattr(_calls, "depth", 0)
        _calls.depth = depth + 1
        try:
            result = method(*args, **kwargs)
        finally:
            _calls.depth = depth
        if depth:  # made by another backend call, which reports its result
            return result
        label = args[0] if by_op else name
        for listener in tuple(LISTENERS):
            result = listener.call(backend, label, args, result)
        return result
    return listened


def install(backend) -> None:
    """Shadow the backend's hooked methods with listened ones (idempotent)."""
    if any(b is backend for b in _installed):
        return
    for name in HOOKED:
        if getattr(type(backend), name, None) is not None:  # (a MissingBackend has none)
            backend.__dict__[name] = _wrap(backend, name, getattr(backend, name))
    _installed.append(backend)


def _uninstall_all() -> None:
    while _installed:
        backend = _installed.pop()
        for name in HOOKED:
            backend.__dict__.pop(name, None)


def listen(listener) -> None:
    """Start sending backend calls to `listener` (installs the wrappers on every loaded backend)."""
    from .device import _backends, _load_backend

    _load_backend("numpy")
    LISTENERS.append(listener)
    for backend in list(_backends.values()):
        install(backend)


def unlisten(listener) -> None:
    """Stop sending calls to `listener`; with no listener left, the backends are restored."""
    if listener in LISTENERS:
        LISTENERS.remove(listener)
    if not LISTENERS:
        _uninstall_all()


def storage(array):
    """(the object owning the array's memory, its size in bytes), or None for a non-array.

    NumPy views lead to their base array; our NDArray views share one flat storage tensor.
    """
    if isinstance(array, np.ndarray):
        while isinstance(array.base, np.ndarray):
            array = array.base
        if array.base is not None:  # as_strided: a view through an interface object
            base = getattr(array.base, "base", None)
            if isinstance(base, np.ndarray):
                return storage(base)
        return array, array.nbytes
    flat = getattr(array, "storage", None)
    if flat is not None and hasattr(flat, "untyped_storage"):
        return flat, flat.numel() * flat.element_size()
    return None
