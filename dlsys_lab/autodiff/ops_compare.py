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


def _comparison(name: str, symbol: str):
    def compare(a: Tensor, b) -> Tensor:
        return _compare(name, a, b)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"a {symbol} b as 1.0/0.0, broadcasting; b may be a Tensor or a number."
    return compare


gt, lt, le, ge = _comparison("gt", ">"), _comparison("lt", "<"), _comparison("le", "<="), _comparison("ge", ">=")
eq = _comparison("eq", "==")  # a function: Tensor's == stays identity, so tensors can key dicts and sets
ne = _comparison("ne", "!=")  # NaN is unequal to everything
