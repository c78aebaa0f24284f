"""The `cpu` backend: the backend protocol over our strided NDArray and the C++ kernels.

`StridedBackend` holds everything the `cpu` and `cuda` backends share; only the extension differs. The op codes
the kernels take are positions in the lists of kernels/common/ops.h (nd/op_names.py), checked against the
names the built extension exports when it loads.
"""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np
import torch

from ..kernels.inline import registered_step, run_registered
from .backend import BackendBase
from .dtypes import is_half, numpy_dtype, promote
from .ndarray import NDArray, broadcast_shapes, compact_strides
from .op_names import EWISE_OPS, REDUCTIONS, op_error
from .shapes import keepdims_shape, normalize_axes

_TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16,
                 "float16": torch.float16}
_INPLACE_OPS = frozenset(("add", "sub", "mul", "div", "maximum"))
_CODES = {name: code for code, name in enumerate(EWISE_OPS)}  # the enum Op of ops.h
_UNARY_CODES = {name: code for name, code in _CODES.items() if EWISE_OPS[name] == 1}
_BINARY_CODES = {name: code for name, code in _CODES.items() if EWISE_OPS[name] == 2}
_REDUCTION_CODES = {name: code for code, name in enumerate(REDUCTIONS)}  # the enum Reduction of ops.h
_COPY = _CODES["copy"]


class StridedBackend(BackendBase):
    """The protocol implemented with NDArrays whose storage lives on `torch_device`."""

    name = "strided"
    torch_device = "cpu"

    def __init__(self):
        self._ext = None
        self._error = None

    # availability and the extension ------------------------------------------------------
    def _build(self):
        """The compiled extension module (built or loaded from the cache on first use)."""
        raise NotImplementedError

    @property
    def ext(self):
        """The extension module; raises the build error with its fix when it cannot be had."""
        if self._ext is None:
            if self._error is None:
                try:
                    self._ext = self._build()
                    if list(self._ext.OPS) != list(EWISE_OPS) or list(self._ext.REDUCTIONS) != list(REDUCTIONS):
                        raise RuntimeError(f"the built kernels name ops {list(self._ext.OPS)} and reductions "
                                           f"{list(self._ext.REDUCTIONS)}, not those of ops.h: rebuild them")
                    self._steps = list(self._ext.MATMUL_STEPS)
                    self._fastest = len(self._steps) - 1
                except RuntimeError as err:
                    self._error = err
            if self._error is not None:
                raise RuntimeError(f"device '{self.name}' is unavailable: {self._error}")
        return self._ext

    def available(self):
        try:
            self.ext
        except RuntimeError:
            return False
        return True

    def status(self):
        if not self.available():
            return f"unavailable: {self._error}"
        return f"usable: our kernels, {self._ext.num_threads()} threads, matmul steps {', '.join(self._steps)}"

    # checks ---------------------------------------------------------------------------
    def _check(self, a):
        if a.__class__ is not NDArray or a.backend is not self:
            where = f"on device '{a.device}'" if isinstance(a, NDArray) else f"a {type(a).__module__}.{type(a).__name__}"
            raise TypeError(f"expected an NDArray on device '{self.name}', got {where}; "
                            f"move it with from_numpy(...) or Tensor.to('{self.name}')")

    @staticmethod
    def _scalar(b):
        if b.__class__ is float:  # the common case, before the slower check of the numbers ABC
            return b
        if isinstance(b, numbers.Real) or (isinstance(b, np.ndarray) and b.ndim == 0):
            return float(b)
        raise TypeError(f"expected an NDArray or a Python scalar, got {type(b).__name__}; convert it with from_numpy")

    def _new(self, storage, shape):
        return NDArray(storage, shape, compact_strides(shape), 0, self)

    def _same_dtype(self, a, b):
        if a.storage.dtype == b.storage.dtype:
            return a, b
        dtype = promote(a.dtype, b.dtype)  # NumPy's promotion
        return self.astype(a, dtype), self.astype(b, dtype)

    def _check_dtype(self, dtype):
        if dtype not in _TORCH_DTYPES or (is_half(dtype) and self.torch_device != "cpu"):
            where = "" if dtype not in _TORCH_DTYPES else f" on device '{self.name}'"
            raise TypeError(f"dtype {dtype!r} is not supported{where}; use one of "
                            f"{[d for d in _TORCH_DTYPES if self.torch_device == 'cpu' or not is_half(d)]}")
        return dtype

    # conversion and creation ------------------------------------------------------------
    def from_numpy(self, a):
        a = np.asarray(a)
        if a.dtype.name not in _TORCH_DTYPES:
            raise TypeError(f"arrays of dtype {a.dtype} are not supported on device '{self.name}'; "
                            f"convert with .astype('float32') or .astype('float64') first")
        self._check_dtype(a.dtype.name)
        flat = np.array(a, order="C", copy=True).reshape(-1)
        if a.dtype.name == "bfloat16":  # torch reads no ml_dtypes array: hand it the bits
            flat = torch.from_numpy(flat.view(np.int16)).view(torch.bfloat16)
        else:
            flat = torch.from_numpy(flat)
        return self._new(flat if self.torch_device == "cpu" else flat.to(self.torch_device), a.shape)

    def to_numpy(self, a):
        self._check(a)
        a = a.compact()
        flat = a.storage
        if a.offset or flat.numel() != a.size:  # (slicing a torch tensor costs more than the rest)
            flat = flat[a.offset:a.offset + a.size]
        flat = flat if self.torch_device == "cpu" else flat.cpu()
        if flat.dtype == torch.bfloat16:
            return flat.view(torch.int16).numpy().view(numpy_dtype("bfloat16")).reshape(a.shape)
        return flat.numpy().reshape(a.shape)

    def full(self, shape, value, dtype):
        self._check_dtype(dtype)
        shape = tuple(shape)
        storage = torch.full((math.prod(shape),), float(value), dtype=_TORCH_DTYPES[dtype], device=self.torch_device)
        return self._new(storage, shape)

    def astype(self, a, dtype):
        self._check(a)
        self._check_dtype(dtype)
        if a.dtype == dtype:
            return a
        if is_half(dtype) or is_half(a.dtype):  # float32 in between, rounded once (half_ops.cpp)
            return self._new(self.ext.cast_to(a.storage, a.shape, a.strides, a.offset, dtype), a.shape)
        return self._new(self.ext.cast(a.storage, a.shape, a.strides, a.offset, dtype == "float64"), a.shape)

    def shape(self, a):
        return a.shape

    def dtype(self, a):
        return a.dtype

    # elementwise and reductions ---------------------------------------------------------------
    # Compact operands of one shape (most calls while training) take ext.ewise_flat, five small
    # arguments; views and broadcasts take ext.ewise with their shapes and strides. Shape plans are
    # cached per shape, so a training step's repeated shapes cost one dictionary look-up each.
    def ewise(self, op, a, b=None):
        if b is None:
            code = _UNARY_CODES.get(op)
            if code is None:
                raise op_error(op, b)
            return self._unary(code, a)
        code = _BINARY_CODES.get(op)
        if code is None:
            raise op_error(op, b)
        if a.__class__ is not NDArray and b.__class__ is NDArray and _is_scalar(a):
            return self._reversed(code, b, a)
        return self._binary(code, a, b)

    def _binary(self, code, a, b):
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        if b.__class__ is not NDArray:
            return self._unary(code, a, self._scalar(b))
        if b.backend is not self:
            self._check(b)
        if a.storage.dtype != b.storage.dtype:
            a, b = self._same_dtype(a, b)
        shape = a.shape
        if b.shape == shape:
            strides, size = _compact_plan(shape)
            if a.strides == strides and b.strides == strides:
                flat = self.ext.ewise_flat(code, a.storage, a.offset, b.storage, b.offset, 0.0, size)
                return NDArray(flat, shape, strides, 0, self)
            a_strides, b_strides = a.strides, b.strides
        else:
            shape, a_strides, b_strides = _broadcast_plan(shape, a.strides, b.shape, b.strides)
            strides = compact_strides(shape)
        flat = self.ext.ewise(code, a.storage, a_strides, a.offset, b.storage, b_strides, b.offset, 0.0, shape)
        return NDArray(flat, shape, strides, 0, self)

    def _reversed(self, code, a, b):
        """op(b, a) for a Python scalar b."""
        if a.backend is not self:
            self._check(a)
        b, shape = self._scalar(b), a.shape
        strides, size = _compact_plan(shape)
        if a.strides == strides:
            flat = self.ext.ewise_flat(code, None, 0, a.storage, a.offset, b, size)
        else:
            flat = self.ext.ewise(code, None, (), 0, a.storage, a.strides, a.offset, b, shape)
        return NDArray(flat, shape, strides, 0, self)

    def _unary(self, code, a, scalar=0.0):
        """op(a) for a unary op, or op(a, scalar) for a binary one."""
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        shape = a.shape
        strides, size = _compact_plan(shape)
        if a.strides == strides:
            flat = self.ext.ewise_flat(code, a.storage, a.offset, None, 0, scalar, size)
        else:
            flat = self.ext.ewise(code, a.storage, a.strides, a.offset, None, (), 0, scalar, shape)
        return NDArray(flat, shape, strides, 0, self)

    def reduce(self, op, a, axes=None, keepdims=False):
        code = _REDUCTION_CODES.get(op)
        if code is None:
            raise ValueError(f"unknown reduction {op!r}; reductions are: {', '.join(REDUCTIONS)}")
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        if op == "max" and a.size == 0:
            raise ValueError(f"max of an empty array (shape {a.shape}) has no value")
        if axes is not None and axes.__class__ is not tuple and not isinstance(axes, int):
            axes = tuple(axes)
        shape, strides, n_kept, out_shape = _reduce_plan(a.shape, a.strides, axes, keepdims, op)
        flat = self.ext.reduce(code, a.storage, shape, strides, a.offset, n_kept)
        return NDArray(flat, out_shape, compact_strides(out_shape), 0, self)

    # linear algebra ---------------------------------------------------------------------
    def matmul(self, a, b, step=None):
        """a @ b, batched like np.matmul; step names one matmul optimization (default: fastest)."""
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        if b.__class__ is not NDArray or b.backend is not self:
            self._check(b)
        if step is None and len(a.shape) == 2 and len(b.shape) == 2 and a.storage.dtype == b.storage.dtype:
            (m, k), (k2, n) = a.shape, b.shape
            if k == k2:  # the common case: one 2-D product with the fastest step, no batch bookkeeping
                ext = self.ext  # (builds the extension and sets _fastest on first use)
                flat = ext.matmul(self._fastest, a.storage, [a.offset], a.strides[0], a.strides[1],
                                  b.storage, [b.offset], b.strides[0], b.strides[1], m, n, k)
                return NDArray(flat, (m, n), _compact_plan((m, n))[0], 0, self)
        if a.ndim < 2 or b.ndim < 2:
            raise ValueError(f"matmul needs arrays with at least 2 dimensions, got shapes {a.shape} and {b.shape}")
        (m, k), (k2, n) = a.shape[-2:], b.shape[-2:]
        if k != k2:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align ({k} != {k2})")
        code = self._step_code(step)
        a, b = self._same_dtype(a, b)
        if a.ndim == 2 and b.ndim == 2:
            batch, a_offsets, b_offsets = (), [a.offset], [b.offset]
        else:
            batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
            a_offsets = _batch_offsets(a.broadcast_to(batch + (m, k)), batch)
            b_offsets = _batch_offsets(b.broadcast_to(batch + (k, n)), batch)
        written = registered_step(step) if step is not None and self.torch_device == "cpu" else None
        if written is not None:  # a step a student wrote and registered (lab05_kernels) runs instead of ours
            flat = run_registered(written, a.storage, a_offsets, a.strides[-2:], b.storage, b_offsets,
                                  b.strides[-2:], m, n, k)
        else:
            flat = self.ext.matmul(code, a.storage, a_offsets, a.strides[-2], a.strides[-1],
                                   b.storage, b_offsets, b.strides[-2], b.strides[-1], m, n, k)
        return self._new(flat, batch + (m, n))

    def _step_code(self, step):
        if step is None:
            return len(self._steps) - 1 if self._ext else len(self.ext.MATMUL_STEPS) - 1
        if step not in self._steps:
            raise ValueError(f"unknown matmul step {step!r}; steps on '{self.name}' are: {', '.join(self._steps)}")
        return self._steps.index(step)

    # shapes and views -----------------------------------------------------------------
    def reshape(self, a, shape): self._check(a); return a.reshape(shape)
    def permute(self, a, axes): self._check(a); return a.permute(axes)
    def broadcast_to(self, a, shape): self._check(a); return a.broadcast_to(shape)
    def getitem(self, a, index): self._check(a); return a[index]

    def setitem(self, a, index, value):
        self._check(a)
        self.assign(a[index], value)

    def assign(self, view, value):
        """Writes a scalar or an NDArray (broadcast to the view's shape) into the view, in place."""
        if value.__class__ is NDArray:
            self._check(value)
            if value.dtype != view.dtype:
                value = self.astype(value, view.dtype)
            if value.storage.data_ptr() == view.storage.data_ptr():
                value = self.copy(value)  # the source may overlap the destination
            value = value.broadcast_to(view.shape)
            self.ext.ewise_into(_COPY, value.storage, value.strides, value.offset, None, (), 0, 0.0,
                                view.storage, view.strides, view.offset, view.shape)
        else:
            self.ext.ewise_into(_COPY, None, (), 0, None, (), 0, self._scalar(value),
                                view.storage, view.strides, view.offset, view.shape)

    def inplace(self, op, a, b):
        """a = op(a, b) written into a's own memory (op: add, sub, mul, div or maximum); b broadcasts to a."""
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        if op not in _INPLACE_OPS:
            raise ValueError(f"inplace supports {', '.join(sorted(_INPLACE_OPS))}, not {op!r}")
        if 0 in a.strides and any(st == 0 and size > 1 for st, size in zip(a.strides, a.shape)):
            raise ValueError(f"cannot write in place into a broadcast view (shape {a.shape}, strides {a.strides}); "
                             f"compact() it first")
        if b.__class__ is not NDArray:
            self.ext.ewise_into(_CODES[op], a.storage, a.strides, a.offset, None, (), 0, self._scalar(b),
                                a.storage, a.strides, a.offset, a.shape)
            return
        if b.backend is not self:
            self._check(b)
        if b.storage.dtype != a.storage.dtype:
            b = self.astype(b, a.dtype)
        if b.storage.data_ptr() == a.storage.data_ptr() and (b.offset, b.strides) != (a.offset, a.strides):
            b = self.copy(b)  # an overlapping view would read elements already overwritten
        if b.shape != a.shape:
            b = b.broadcast_to(a.shape)
        self.ext.ewise_into(_CODES[op], a.storage, a.strides, a.offset, b.storage, b.strides, b.offset, 0.0,
                            a.storage, a.strides, a.offset, a.shape)

    def as_strided(self, a, shape, strides):
        self._check(a)
        a = a.compact()
        shape, strides = tuple(shape), tuple(strides)
        reach = sum((s - 1) * st for s, st in zip(shape, strides) if s > 0)
        if len(shape) != len(strides) or min(strides, default=0) < 0 or (math.prod(shape) and reach >= a.size):
            raise ValueError(f"as_strided: shape {shape} with strides {strides} reaches outside the "
                             f"{a.size} elements of the array")
        return NDArray(a.storage, shape, strides, a.offset, self)


@functools.lru_cache(maxsize=4096)
def _compact_plan(shape):
    """(row-major strides, number of elements) of a compact array of this shape."""
    return compact_strides(shape), math.prod(shape)


@functools.lru_cache(maxsize=4096)
def _broadcast_plan(a_shape, a_strides, b_shape, b_strides):
    """The broadcast shape of a and b and each one's strides over it (0 along repeated axes)."""
    shape = broadcast_shapes(a_shape, b_shape)
    return shape, _broadcast_strides(a_shape, a_strides, shape), _broadcast_strides(b_shape, b_strides, shape)


def _broadcast_strides(shape, strides, target):
    """The strides of a view of (shape, strides) broadcast to target: 0 along new and repeated axes."""
    lead = len(target) - len(shape)
    return (0,) * lead + tuple(st if s == t else 0 for s, t, st in zip(shape, target[lead:], strides))


@functools.lru_cache(maxsize=4096)
def _reduce_plan(shape, strides, axes, keepdims, op):
    """(shape, strides) reordered so the reduced axes trail, the number kept, and the output shape."""
    reduced = normalize_axes(axes, len(shape), op)
    kept = [d for d in range(len(shape)) if d not in reduced]
    order = kept + list(reduced)  # the kernel reduces the trailing axes
    out_shape = keepdims_shape(shape, reduced) if keepdims else tuple(shape[d] for d in kept)
    return tuple(shape[d] for d in order), tuple(strides[d] for d in order), len(kept), out_shape


def _is_scalar(b):
    """True for a Python number or a 0-d NumPy array (an operand `ewise` takes in place of an array)."""
    return b.__class__ is float or isinstance(b, numbers.Real) or (isinstance(b, np.ndarray) and b.ndim == 0)


def _batch_offsets(a, batch):
    """The offset of each matrix in a (already broadcast to batch + 2 dims), in row-major batch order."""
    if not batch:
        return [a.offset]
    index = np.indices(batch).reshape(len(batch), -1)
    return (a.offset + np.asarray(a.strides[:-2]) @ index).tolist()


class CpuBackend(StridedBackend):
    """Our C++ kernels (OpenMP, AVX2 matmul) on the host CPU."""

    name = "cpu"
    torch_device = "cpu"

    def _build(self):
        from dlsys_lab.kernels.build import build

        return build("cpu")
