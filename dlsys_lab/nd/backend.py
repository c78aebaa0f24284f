"""The backend protocol: the few array functions autodiff needs from a device.

A backend works on its own array type (NumPy arrays for `numpy`, our strided NDArray for `cpu`
and `cuda`). Autodiff calls only the functions below, so a new backend plugs in without touching
autodiff. Binary functions follow NumPy broadcasting and accept a Python scalar as `b`.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

Array = Any  # the backend's own array type
Shape = tuple[int, ...]
DTYPES = ("float32", "float64", "bfloat16", "float16")  # halves: 16-bit storage, float32 compute (dtypes.py)


class Backend(Protocol):
    """What a device must provide; `NumpyBackend` is the reference implementation."""

    name: str

    # availability -----------------------------------------------------------------------
    def available(self) -> bool: """True when arrays can be made on this backend now."""
    def status(self) -> str: """One line for `dlsys doctor`: built/usable, or why not and the fix."""

    # conversion and creation --------------------------------------------------------------
    def from_numpy(self, a: np.ndarray) -> Array: """A copy of `a` on this backend, same dtype."""
    def to_numpy(self, a: Array) -> np.ndarray: """A NumPy copy (or zero-copy view) of `a`."""
    def full(self, shape: Shape, value: float, dtype: str) -> Array: """A new array filled with value."""
    def astype(self, a: Array, dtype: str) -> Array: """`a` converted to dtype."""
    def shape(self, a: Array) -> Shape: """The shape of `a` as a tuple."""
    def dtype(self, a: Array) -> str: """'float32', 'float64', 'bfloat16' or 'float16'."""

    # elementwise, with broadcasting; b may be a Python scalar -------------------------------
    def add(self, a: Array, b: Array | float) -> Array: ...
    def sub(self, a: Array, b: Array | float) -> Array: ...
    def mul(self, a: Array, b: Array | float) -> Array: ...
    def div(self, a: Array, b: Array | float) -> Array: ...
    def maximum(self, a: Array, b: Array | float) -> Array: ...
    def eq(self, a: Array, b: Array | float) -> Array: """1.0 where equal, else 0.0 (a's dtype)."""
    def ge(self, a: Array, b: Array | float) -> Array: """1.0 where a >= b, else 0.0 (a's dtype)."""
    def gt(self, a: Array, b: Array | float) -> Array: """1.0 where a > b, else 0.0 (a's dtype)."""
    def lt(self, a: Array, b: Array | float) -> Array: """1.0 where a < b, else 0.0 (a's dtype)."""
    def le(self, a: Array, b: Array | float) -> Array: """1.0 where a <= b, else 0.0 (a's dtype)."""
    def ne(self, a: Array, b: Array | float) -> Array: """1.0 where a != b (and where either is NaN)."""
    def power_ewise(self, a: Array, b: Array) -> Array: """a ** b elementwise for two arrays, broadcasting."""
    def rsub(self, a: Array, b: float) -> Array: """b - a for a Python scalar b."""
    def rdiv(self, a: Array, b: float) -> Array: """b / a for a Python scalar b."""
    def power(self, a: Array, exponent: float) -> Array: """a ** exponent for a Python scalar."""
    def neg(self, a: Array) -> Array: ...
    def exp(self, a: Array) -> Array: ...
    def log(self, a: Array) -> Array: ...
    def tanh(self, a: Array) -> Array: ...
    def sqrt(self, a: Array) -> Array: ...
    def sigmoid(self, a: Array) -> Array: ...

    # in place, for optimizer state that no one else holds ------------------------------------
    def inplace(self, op: str, a: Array, b: Array | float) -> None:
        """a = op(a, b) in a's own memory, for op in add, sub, mul, div, maximum; b broadcasts to a."""

    # reductions: axes is a tuple of non-negative ints ---------------------------------------
    def sum(self, a: Array, axes: tuple[int, ...], keepdims: bool) -> Array: ...
    def max(self, a: Array, axes: tuple[int, ...], keepdims: bool) -> Array: ...

    # linear algebra ---------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array: """Batched like np.matmul (ndim >= 2 each)."""

    # shapes and views: reshape, permute, broadcast_to and getitem may return views ------------
    def reshape(self, a: Array, shape: Shape) -> Array: ...
    def permute(self, a: Array, axes: tuple[int, ...]) -> Array: ...
    def broadcast_to(self, a: Array, shape: Shape) -> Array: ...
    def getitem(self, a: Array, index: tuple) -> Array: """Basic indexing: ints, slices (steps > 0)."""
    def setitem(self, a: Array, index: tuple, value: Array | float) -> None: """In place."""
    def stack(self, arrays: Sequence[Array], axis: int) -> Array: ...
    def flip(self, a: Array, axes: tuple[int, ...]) -> Array: ...
    def pad(self, a: Array, widths: tuple[tuple[int, int], ...]) -> Array: """Zero padding."""
    def as_strided(self, a: Array, shape: Shape, strides: Shape) -> Array:
        """A view of a compact copy of `a`; strides counted in elements, not bytes."""
