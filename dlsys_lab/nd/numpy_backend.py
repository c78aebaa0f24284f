"""The `numpy` backend: the reference every other backend is tested against, always available.

Its elementwise ops are a table from the op names of kernels/common/ops.h to NumPy functions (mostly ufuncs);
importing this module fails when the table and ops.h disagree, so a new op cannot be half added.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from .backend import BackendBase
from .dtypes import numpy_dtype
from .op_names import BINARY, REDUCTIONS, UNARY, check_table, op_error

INPLACE = ("add", "sub", "mul", "div", "maximum")  # the ops `inplace` takes (an optimizer's updates)


def _dtype_of(a, b):
    """The dtype of the array operand (comparisons return 1.0/0.0 in it)."""
    return (a if hasattr(a, "dtype") else b).dtype


def _comparison(ufunc):
    def compare(a, b):
        return ufunc(a, b).astype(_dtype_of(a, b))
    return compare


def _power(a, b):
    if not hasattr(b, "dtype") and hasattr(a, "dtype"):  # a Python exponent: in a's dtype, so halves stay halves
        b = a.dtype.type(b)
    return np.power(a, b)


def _sigmoid(a):
    # 0.5 * (1 + tanh(a / 2)) never overflows, unlike 1 / (1 + exp(-a)).
    if a.dtype.itemsize == 2:  # a half: one rounding of the float32 result, not one per step
        return _sigmoid(a.astype(np.float32)).astype(a.dtype)
    return 0.5 * (1.0 + np.tanh(0.5 * a))


OPS = {
    # binary: NumPy broadcasting, a Python scalar on either side
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "maximum": np.maximum,
    "power": _power, "eq": _comparison(np.equal), "ne": _comparison(np.not_equal), "gt": _comparison(np.greater),
    "ge": _comparison(np.greater_equal), "lt": _comparison(np.less), "le": _comparison(np.less_equal),
    # unary
    "copy": np.copy, "neg": np.negative, "exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt,
    "sigmoid": _sigmoid, "abs": np.abs,
}
check_table(OPS, BINARY + UNARY, "NumpyBackend")
_UNARY = {name: OPS[name] for name in UNARY}
_BINARY = {name: OPS[name] for name in BINARY}


def _sum(a, axes, keepdims):
    if a.dtype.itemsize == 2:  # a half: accumulate in float32 (NumPy would add in the half type), round once
        return a.sum(axis=axes, keepdims=keepdims, dtype=np.float32).astype(a.dtype)
    return a.sum(axis=axes, keepdims=keepdims)


def _max(a, axes, keepdims):
    return a.max(axis=axes, keepdims=keepdims)


_REDUCTIONS = {"sum": _sum, "max": _max}
check_table(_REDUCTIONS, REDUCTIONS, "NumpyBackend reductions")


class NumpyBackend(BackendBase):
    """The backend protocol implemented with plain NumPy arrays."""

    name = "numpy"

    def available(self):
        return True

    def status(self):
        return f"usable (NumPy {np.__version__})"

    def from_numpy(self, a):
        return np.array(a, copy=True)

    def to_numpy(self, a):
        return a

    def full(self, shape, value, dtype):
        return np.full(shape, value, dtype=numpy_dtype(dtype))

    def astype(self, a, dtype):
        return a.astype(numpy_dtype(dtype), copy=False)

    def shape(self, a):
        return a.shape

    def dtype(self, a):
        return a.dtype.name

    def ewise(self, op, a, b=None):
        fn = (_UNARY if b is None else _BINARY).get(op)
        if fn is None:
            raise op_error(op, b)
        return fn(a) if b is None else fn(a, b)

    def inplace(self, op, a, b):
        if op not in INPLACE:
            raise ValueError(f"inplace supports {', '.join(INPLACE)}, not {op!r}")
        _BINARY[op](a, b, out=a)

    def reduce(self, op, a, axes, keepdims):
        if op not in _REDUCTIONS:
            raise ValueError(f"unknown reduction {op!r}; reductions are: {', '.join(REDUCTIONS)}")
        return _REDUCTIONS[op](a, axes, keepdims)

    def matmul(self, a, b):
        if a.dtype.itemsize == 2 or b.dtype.itemsize == 2:  # a half: widen, accumulate in float32, round once
            out = np.result_type(a.dtype, b.dtype)  # float64 with a float64 operand, else the half or float32
            wide = np.float64 if out == np.float64 else np.float32
            return np.matmul(a.astype(wide), b.astype(wide)).astype(out)
        return np.matmul(a, b)

    def reshape(self, a, shape):
        return np.reshape(a, shape)

    def permute(self, a, axes):
        return np.transpose(a, axes)

    def broadcast_to(self, a, shape):
        return np.broadcast_to(a, shape)

    def getitem(self, a, index):
        return a[index]

    def setitem(self, a, index, value):
        a[index] = value

    def as_strided(self, a, shape, strides):
        a = np.ascontiguousarray(a)
        return _np_as_strided(a, shape, tuple(s * a.itemsize for s in strides), writeable=False)

