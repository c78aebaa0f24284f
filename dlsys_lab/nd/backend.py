"""The backend protocol: the few array functions a device must provide, and everything derived from them once.

A backend works on its own array type (NumPy arrays for `numpy`, our strided NDArray for `cpu` and `cuda`).
`Backend` lists what a backend implements: creation and conversion, `ewise` and `reduce` over the op names of
kernels/common/ops.h (nd/op_names.py), `inplace`, `matmul` and the views. `BackendBase` derives the rest for
every backend alike: one method per elementwise op (`nd.add(a, b)`, `nd.exp(a)`, ...), `rsub`, `rdiv`,
`power_ewise`, `sum`, `max`, `stack`, `pad` and `flip`. Autodiff calls only these, so a new backend plugs in
without touching autodiff. Binary ops follow NumPy broadcasting and accept a Python scalar for one operand.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

from .op_names import EWISE_OPS, REDUCTIONS
from .shapes import normalize_axes

Array = Any  # the backend's own array type
Shape = tuple[int, ...]
DTYPES = ("float32", "float64", "bfloat16", "float16")  # halves: 16-bit storage, float32 compute (dtypes.py)


class Backend(Protocol):
    """What a device must provide; `NumpyBackend` is the reference implementation."""

    name: str

    # availability -----------------------------------------------------------------------
    def available(self) -> bool: """True when arrays can be made on this backend now."""
    def status(self) -> str: """One line for `dlsys doctor`: built/usable, or why not and the fix."""

    # conversion and creation (halves: bfloat16 and float16 storage, see dtypes.py) ---------------
    def from_numpy(self, a: np.ndarray) -> Array: """A copy of `a` on this backend, same dtype."""
    def to_numpy(self, a: Array) -> np.ndarray: """A NumPy copy (or zero-copy view) of `a`."""
    def full(self, shape: Shape, value: float, dtype: str) -> Array: """A new array filled with value."""
    def astype(self, a: Array, dtype: str) -> Array: """`a` converted to dtype (halves rounded once)."""
    def shape(self, a: Array) -> Shape: """The shape of `a` as a tuple."""
    def dtype(self, a: Array) -> str: """'float32', 'float64', 'bfloat16' or 'float16'."""

    # compute ------------------------------------------------------------------------------
    def ewise(self, op: str, a: Array | float, b: Array | float | None = None) -> Array:
        """op(a, b) for a binary op of EWISE_OPS, broadcasting, one of a and b may be a Python scalar; op(a) for a
        unary op (b None). Comparisons give 1.0/0.0 in the array's dtype; halves compute in float32."""

    def inplace(self, op: str, a: Array, b: Array | float) -> None:
        """a = op(a, b) in a's own memory, for op in add, sub, mul, div, maximum; b broadcasts to a."""

    def reduce(self, op: str, a: Array, axes: tuple[int, ...] | None, keepdims: bool) -> Array:
        """op (one of REDUCTIONS: sum, max) over axes (None: all; negatives allowed); halves accumulate in float32."""

    def matmul(self, a: Array, b: Array) -> Array: """Batched like np.matmul (ndim >= 2 each)."""

    # shapes and views: reshape, permute, broadcast_to, getitem and as_strided may return views ----------
    def reshape(self, a: Array, shape: Shape) -> Array: ...
    def permute(self, a: Array, axes: tuple[int, ...]) -> Array: ...
    def broadcast_to(self, a: Array, shape: Shape) -> Array: ...
    def getitem(self, a: Array, index: tuple) -> Array: """Basic indexing: ints, slices (any step), None, ...."""
    def setitem(self, a: Array, index: tuple, value: Array | float) -> None: """In place."""
    def as_strided(self, a: Array, shape: Shape, strides: Shape) -> Array:
        """A view of a compact copy of `a`; strides counted in elements, not bytes."""


def _ewise_method(op: str, arity: int):
    """The method nd.<op>(a) or nd.<op>(a, b): a call of nd.ewise."""
    if arity == 1:
        def method(self, a):
            return self.ewise(op, a)
    else:
        def method(self, a, b):
            return self.ewise(op, a, b)
    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"ewise({op!r}, ...): the {op} op of kernels/common/ops.h."
    return method


class BackendBase:
    """What every backend derives from the protocol: named elementwise ops, reductions, stack, pad and flip."""

    def rsub(self, a, b):
        """b - a for a Python scalar b."""
        return self.ewise("sub", b, a)

    def rdiv(self, a, b):
        """b / a for a Python scalar b."""
        return self.ewise("div", b, a)

    def power_ewise(self, a, b):
        """a ** b elementwise for two arrays, broadcasting."""
        return self.ewise("power", a, b)

    def sum(self, a, axes=None, keepdims=False):
        """The sum over axes (None: all)."""
        return self.reduce("sum", a, axes, keepdims)

    def max(self, a, axes=None, keepdims=False):
        """The maximum over axes (None: all); an empty array has none (ValueError)."""
        return self.reduce("max", a, axes, keepdims)

    def stack(self, arrays: Sequence, axis: int):
        """The arrays (one shape and dtype) joined along a new axis."""
        arrays = list(arrays)
        shapes = [self.shape(a) for a in arrays]
        if not arrays or any(s != shapes[0] for s in shapes):
            raise ValueError(f"stack needs at least one array, all of one shape; got {shapes}")
        ndim = len(shapes[0])
        if not -ndim - 1 <= axis <= ndim:
            raise ValueError(f"stack: axis {axis} is out of range for arrays with {ndim} dimensions")
        axis %= ndim + 1
        out = self.full(shapes[0][:axis] + (len(arrays),) + shapes[0][axis:], 0.0, self.dtype(arrays[0]))
        for i, a in enumerate(arrays):
            self.setitem(out, (slice(None),) * axis + (i,), a)
        return out

    def pad(self, a, widths):
        """a with zeros around it: widths holds (before, after) for each axis."""
        shape = self.shape(a)
        widths = tuple(tuple(int(w) for w in pair) for pair in widths)
        if len(widths) != len(shape) or any(len(pair) != 2 or min(pair) < 0 for pair in widths):
            raise ValueError(f"pad widths {widths} must give (before, after) >= 0 for each of the {len(shape)} axes")
        out = self.full(tuple(s + lo + hi for s, (lo, hi) in zip(shape, widths)), 0.0, self.dtype(a))
        self.setitem(out, tuple(slice(lo, lo + s) for s, (lo, _) in zip(shape, widths)), a)
        return out

    def flip(self, a, axes):
        """A view with the order of elements reversed along axes (a step -1 slice of each)."""
        ndim = len(self.shape(a))
        axes = {normalize_axes(int(axis), ndim, "flip")[0] for axis in axes} if ndim else set()
        return self.getitem(a, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(ndim)))


for _op, _arity in EWISE_OPS.items():  # nd.add(a, b), nd.exp(a), ... for every op of ops.h
    setattr(BackendBase, _op, _ewise_method(_op, _arity))
del _op, _arity

__all__ = ["Backend", "BackendBase", "DTYPES", "EWISE_OPS", "REDUCTIONS"]
