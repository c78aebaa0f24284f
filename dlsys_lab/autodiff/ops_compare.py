"""Elementwise comparisons: 1.0 where the relation holds, else 0.0, in the first operand's dtype.

They have no gradient (a step function's derivative is zero almost everywhere), so the result is a
constant Tensor outside the graph; either operand may be a Python number.
"""
from __future__ import annotations

from .ops_elementwise import _is_scalar, as_tensor, constant
from .tensor import Tensor


def _compare(name: str, a: Tensor, b) -> Tensor:
    nd = a.backend
    if not _is_scalar(b):
        b = as_tensor(b, a)
        if b.backend is not nd:
            raise ValueError(f"{name}: tensors on different devices ({a.device} and {b.device}); "
                             f"move one with .to(device)")
        b = b.data
    return constant(getattr(nd, name)(a.data, b), a)


def gt(a: Tensor, b) -> Tensor:
    """a > b as 1.0/0.0, broadcasting."""
    return _compare("gt", a, b)


def lt(a: Tensor, b) -> Tensor:
    """a < b as 1.0/0.0, broadcasting."""
    return _compare("lt", a, b)


def le(a: Tensor, b) -> Tensor:
    """a <= b as 1.0/0.0, broadcasting."""
    return _compare("le", a, b)


def ge(a: Tensor, b) -> Tensor:
    """a >= b as 1.0/0.0, broadcasting."""
    return _compare("ge", a, b)


def eq(a: Tensor, b) -> Tensor:
    """a == b as 1.0/0.0, broadcasting (a function, since Tensor's == stays identity for hashing)."""
    return _compare("eq", a, b)


def ne(a: Tensor, b) -> Tensor:
    """a != b as 1.0/0.0, broadcasting; NaN is unequal to everything."""
    return _compare("ne", a, b)
