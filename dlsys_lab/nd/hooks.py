"""Listening to backend calls: the hook dl.memory's tracker and graph capture stand on.

While a listener is registered, every loaded backend gets counting wrappers as instance attributes
that shadow its methods; with none registered the wrappers are removed, so backends run untouched
(zero cost when nobody listens). A listener's `call(backend, name, args, result)` sees each call.
"""
from __future__ import annotations

import functools

import numpy as np

# Protocol functions that return arrays (new storage or a view) or write into one.
HOOKED = ("from_numpy", "full", "astype", "add", "sub", "mul", "div", "maximum", "eq", "ge", "rsub", "rdiv",
          "power", "neg", "exp", "log", "tanh", "sqrt", "sigmoid", "inplace", "sum", "max", "matmul", "reshape",
          "permute", "broadcast_to", "getitem", "setitem", "stack", "flip", "pad", "as_strided", "copy", "assign")

LISTENERS: list = []
_installed: list = []


def _wrap(backend, name, method):
    @functools.wraps(method)
    def listened(*args, **kwargs):
        result = method(*args, **kwargs)
        for listener in tuple(LISTENERS):
            result = listener.call(backend, name, args, result)
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
