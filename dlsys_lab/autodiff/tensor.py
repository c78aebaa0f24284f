"""Tensor: a backend array plus the node of the graph that produced it.

Arithmetic operators and methods call the ops in ops_*.py; `backward` runs the engine in graph.py.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..nd.backend import DTYPES
from ..nd.dtypes import numpy_dtype
from ..nd.device import Device, default_device
from ..nd.device import device as _device
from ..nd.shapes import Shaped


def make_tensor(data, nd, device, op, inputs, requires_grad):
    """A Tensor around backend array `data` without any conversion (the hot path of every op)."""
    t = object.__new__(Tensor)
    t.data, t.backend, t.device = data, nd, device
    t.op, t.inputs, t.requires_grad, t.grad = op, inputs, requires_grad, None
    return t


def _check_dtype(dtype):
    if dtype not in DTYPES:
        raise ValueError(f"dtype {dtype!r} is not supported; use one of {DTYPES}")
    return dtype


class Tensor(Shaped):
    """An n-dimensional array on a device that records the operations applied to it."""

    __slots__ = ("data", "backend", "device", "op", "inputs", "requires_grad", "grad", "__weakref__")
    __array_ufunc__ = None  # numpy_array + tensor calls Tensor.__radd__ instead of converting the tensor

    def __init__(self, array, device: str | Device | None = None, dtype: str | None = "float32",
                 requires_grad: bool = True):
        if isinstance(array, Tensor):
            dtype = dtype or array.dtype
            device = device or array.device
            array = array.numpy()
        dev = _device(device) if device is not None else default_device()
        host = np.asarray(array)
        if dtype is None:  # keep a floating array's precision; everything else becomes float32
            dtype = host.dtype.name if host.dtype.name in DTYPES else "float32"
        host = np.asarray(host, dtype=numpy_dtype(_check_dtype(dtype)))
        if not host.flags.c_contiguous:
            host = np.array(host, order="C")
        nd = dev.backend
        self.data = nd.from_numpy(host)
        self.backend, self.device = nd, dev
        self.op, self.inputs, self.requires_grad, self.grad = None, (), bool(requires_grad), None

    # ---- what it is -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape as a tuple of ints."""
        return self.backend.shape(self.data)

    @property
    def dtype(self) -> str:
        """'float32', 'float64', 'bfloat16' or 'float16'."""
        return self.backend.dtype(self.data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op); only leaves receive `.grad`."""
        return self.op is None

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (zero-copy on the numpy device)."""
        return self.backend.to_numpy(self.data)

    def item(self) -> float:
        """The single value of a one-element tensor as a Python float."""
        if self.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return float(self.numpy().reshape(()))

    def detach(self) -> "Tensor":
        """The same values, cut from the graph (shares the array)."""
        return make_tensor(self.data, self.backend, self.device, None, (), False)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        """Set whether gradients flow to this leaf; returns self."""
        self.requires_grad = bool(flag)
        return self

    def to(self, device: str | Device) -> "Tensor":
        """A copy on `device` (a differentiable op when devices differ)."""
        target = _device(device)
        if target == self.device:
            return self
        return _sh.to_device(self, target)

    def astype(self, dtype: str) -> "Tensor":
        """The values converted to dtype (one of DTYPES), differentiably."""
        return self if dtype == self.dtype else _ew.astype(self, _check_dtype(dtype))

    def backward(self, out_grad: "Tensor | None" = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (needs out_grad unless self is scalar)."""
        _graph.backward(self, out_grad, create_graph)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.numpy(), separator=', ')}, dtype={self.dtype}, device={self.device}{grad})"

    def __len__(self):
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    # ---- arithmetic ------------------------------------------------------------------------
    def __add__(self, other):
        return _ew.add(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return _ew.sub(self, other)

    def __rsub__(self, other):
        return _ew.rsub(self, other)

    def __mul__(self, other):
        return _ew.mul(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return _ew.div(self, other)

    def __rtruediv__(self, other):
        return _ew.rdiv(self, other)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _ew.power_tensor(self, exponent)
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"** takes a Python number or a Tensor as exponent, "
                            f"got {type(exponent).__name__}")
        return _ew.power(self, exponent)

    def __rpow__(self, base):
        return _ew.power_tensor(base, self)

    def __neg__(self):
        return _ew.neg(self)

    def __matmul__(self, other):
        return _mm.matmul(self, other)

    def __rmatmul__(self, other):
        return _mm.matmul(_ew.as_tensor(other, self), self)

    def __getitem__(self, index):
        return _sh.getitem(self, index)

    # ---- comparisons: constant 1.0/0.0 tensors (== stays identity, so tensors can key dicts; use dl.ops.eq) ----
    def __gt__(self, other):
        return _cmp.gt(self, other)

    def __lt__(self, other):
        return _cmp.lt(self, other)

    def __ge__(self, other):
        return _cmp.ge(self, other)

    def __le__(self, other):
        return _cmp.le(self, other)

    def __ne__(self, other):
        return _cmp.ne(self, other)

    # ---- methods (exp, log, tanh, sigmoid, sqrt, relu, abs, ... come from ops_elementwise._unary) ----------
    def sum(self, axes=None, keepdims=False):
        """Sum over `axes` (an int, a tuple, or None for all)."""
        return _rd.summation(self, axes, keepdims)

    def mean(self, axes=None, keepdims=False):
        """Mean over `axes` (an int, a tuple, or None for all)."""
        return _rd.mean(self, axes, keepdims)

    def max(self, axes=None, keepdims=False):
        """Maximum over `axes`; ties share the gradient equally."""
        return _rd.reduce_max(self, axes, keepdims)

    def reshape(self, *shape):
        """The same values in a new shape (one entry may be -1)."""
        return _sh.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def transpose(self, axes=None):
        """Permute axes by the full permutation `axes`; with none, swap the last two."""
        return _sh.transpose(self, axes)

    @property
    def T(self):
        """The last two axes swapped."""
        return _sh.transpose(self, None)

    def broadcast_to(self, shape):
        """A view broadcast to `shape` (gradients are summed back)."""
        return _sh.broadcast_to(self, tuple(shape))


# The ops need Tensor defined first; methods above look these names up at call time.
from . import graph as _graph  # noqa: E402
from . import ops_compare as _cmp  # noqa: E402
from . import ops_elementwise as _ew  # noqa: E402
from . import ops_matmul as _mm  # noqa: E402
from . import ops_reduce as _rd  # noqa: E402
from . import ops_shape as _sh  # noqa: E402
