"""The `numpy` backend: the reference every other backend is tested against, always available."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from .dtypes import numpy_dtype


class NumpyBackend:
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

    add = staticmethod(np.add)
    sub = staticmethod(np.subtract)
    mul = staticmethod(np.multiply)
    div = staticmethod(np.true_divide)
    maximum = staticmethod(np.maximum)
    neg = staticmethod(np.negative)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)
    sqrt = staticmethod(np.sqrt)

    def matmul(self, a, b):
        if a.dtype.itemsize == 2 or b.dtype.itemsize == 2:  # a half: widen, accumulate in float32, round once
            out = np.result_type(a.dtype, b.dtype)  # float64 with a float64 operand, else the half or float32
            wide = np.float64 if out == np.float64 else np.float32
            return np.matmul(a.astype(wide), b.astype(wide)).astype(out)
        return np.matmul(a, b)

    def eq(self, a, b):
        return (a == b).astype(a.dtype)

    def ge(self, a, b):
        return (a >= b).astype(a.dtype)

    def gt(self, a, b):
        return (a > b).astype(a.dtype)

    def lt(self, a, b):
        return (a < b).astype(a.dtype)

    def le(self, a, b):
        return (a <= b).astype(a.dtype)

    def ne(self, a, b):
        return (a != b).astype(a.dtype)

    def power_ewise(self, a, b):
        return np.power(a, b)

    def rsub(self, a, b):
        return b - a

    def rdiv(self, a, b):
        return b / a

    def power(self, a, exponent):
        return np.power(a, a.dtype.type(exponent))

    def sigmoid(self, a):
        # 0.5 * (1 + tanh(a / 2)) never overflows, unlike 1 / (1 + exp(-a)).
        if a.dtype.itemsize == 2:  # a half: one rounding of the float32 result, not one per step
            return self.sigmoid(a.astype(np.float32)).astype(a.dtype)
        return 0.5 * (1.0 + np.tanh(0.5 * a))

    _INPLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "maximum": np.maximum}

    def inplace(self, op, a, b):
        if op not in self._INPLACE:
            raise ValueError(f"inplace supports {', '.join(self._INPLACE)}, not {op!r}")
        self._INPLACE[op](a, b, out=a)

    def sum(self, a, axes, keepdims):
        if a.dtype.itemsize == 2:  # a half: accumulate in float32 (NumPy would add in the half type), round once
            return a.sum(axis=axes, keepdims=keepdims, dtype=np.float32).astype(a.dtype)
        return a.sum(axis=axes, keepdims=keepdims)

    def max(self, a, axes, keepdims):
        return a.max(axis=axes, keepdims=keepdims)

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

    def stack(self, arrays, axis):
        return np.stack(arrays, axis=axis)

    def flip(self, a, axes):
        return np.flip(a, axis=axes)

    def pad(self, a, widths):
        return np.pad(a, widths)

    def as_strided(self, a, shape, strides):
        a = np.ascontiguousarray(a)
        return _np_as_strided(a, shape, tuple(s * a.itemsize for s in strides), writeable=False)
