"""Helpers the op tables share: reading integer arguments, turning values into Tensors, axes and dtypes."""
from __future__ import annotations

import numpy as np

from ..autodiff.tensor import Tensor
from .errors import UnsupportedOpError

FLOATS = ("float32", "float64")


def ints(value) -> list[int]:
    """An integer argument (NumPy array, float Tensor or list) as a list of Python ints (huge ends clipped)."""
    if value is None:
        return []
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if array.dtype.kind == "f":
        array = np.clip(array, -2.0 ** 62, 2.0 ** 62).astype(np.int64)
    return [int(v) for v in array.reshape(-1)]


def number(value) -> float:
    """A scalar argument (a one-element NumPy array or Tensor) as a Python float."""
    return float(np.asarray(value.numpy() if isinstance(value, Tensor) else value).reshape(-1)[0])


def tensor(value, like: Tensor | None = None) -> Tensor:
    """`value` as a Tensor (a NumPy array becomes a constant on like's device; integers become float32)."""
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    dtype = array.dtype.name if array.dtype.name in FLOATS else (like.dtype if like is not None else "float32")
    return Tensor(array, device=like.device if like is not None else None, dtype=dtype, requires_grad=False)


def as_value(array, device=None):
    """A NumPy array as the interpreter holds it: floats as a constant Tensor on `device`, integers as they are."""
    if isinstance(array, Tensor):
        return array if device is None else array.to(device)
    array = np.asarray(array)
    if array.dtype.name in FLOATS:
        return Tensor(array, device=device, dtype=array.dtype.name, requires_grad=False)
    if array.dtype.kind not in "iub":
        raise TypeError(f"dlsys_lab computes in float32, float64 and integers, not {array.dtype.name}")
    return array


def like(*values) -> Tensor | None:
    """The first Tensor among values (whose device and dtype NumPy constants should take), or None."""
    return next((v for v in values if isinstance(v, Tensor)), None)


def axes_of(node, inputs, position: int, ndim: int) -> list[int] | None:
    """A node's axes: attribute `axes` (older opsets) or input `position` (newer); None when neither is given."""
    given = node.attrs.get("axes")
    if given is None and len(inputs) > position and inputs[position] is not None:
        given = ints(inputs[position])
    return None if given is None else [a % ndim if ndim else a for a in given]


def unsupported(node, detail: str) -> UnsupportedOpError:
    """The error for an attribute value this op's dlsys_lab form cannot run."""
    return UnsupportedOpError(node.op, node.name, None, detail)
