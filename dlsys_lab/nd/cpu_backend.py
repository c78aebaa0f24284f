"""The `cpu` backend: the backend protocol over our strided NDArray and the C++ kernels.

`StridedBackend` holds everything the `cpu` and `cuda` backends share; only the extension differs.
"""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np
import torch

from ..kernels.inline import registered_step, run_registered
from .dtypes import is_half, numpy_dtype, promote
from .ndarray import NDArray, broadcast_shapes, compact_strides

_TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16,
                 "float16": torch.float16}
_INPLACE_OPS = frozenset(("add", "sub", "mul", "div", "maximum"))


class StridedBackend:
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
                    self._codes = {name: i for i, name in enumerate(self._ext.OPS)}
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

    def copy(self, a):
        """A compact copy of a (the strided-copy kernel, also behind compact())."""
        return self._unary("copy", a)

    # elementwise ----------------------------------------------------------------------
    # Compact operands of one shape (most calls while training) take ext.ewise_flat, five small
    # arguments; views and broadcasts take ext.ewise with their shapes and strides. Shape plans are
    # cached per shape, so a training step's repeated shapes cost one dictionary look-up each.
    def _binary(self, op, a, b):
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        if b.__class__ is not NDArray:
            return self._unary(op, a, self._scalar(b))
        if b.backend is not self:
            self._check(b)
        if a.storage.dtype != b.storage.dtype:
            a, b = self._same_dtype(a, b)
        shape = a.shape
        if b.shape == shape:
            strides, size = _compact_plan(shape)
            if a.strides == strides and b.strides == strides:
                flat = self.ext.ewise_flat(self._codes[op], a.storage, a.offset, b.storage, b.offset, 0.0, size)
                return NDArray(flat, shape, strides, 0, self)
            a_strides, b_strides = a.strides, b.strides
        else:
            shape, a_strides, b_strides = _broadcast_plan(shape, a.strides, b.shape, b.strides)
            strides = compact_strides(shape)
        flat = self.ext.ewise(self._codes[op], a.storage, a_strides, a.offset, b.storage, b_strides, b.offset, 0.0, shape)
        return NDArray(flat, shape, strides, 0, self)

    def _reversed(self, op, a, b):
        """op(b, a) for a Python scalar b."""
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        b, shape = self._scalar(b), a.shape
        strides, size = _compact_plan(shape)
        if a.strides == strides:
            flat = self.ext.ewise_flat(self._codes[op], None, 0, a.storage, a.offset, b, size)
        else:
            flat = self.ext.ewise(self._codes[op], None, (), 0, a.storage, a.strides, a.offset, b, shape)
        return NDArray(flat, shape, strides, 0, self)

    def _unary(self, op, a, scalar=0.0):
        """op(a) for a unary op, or op(a, scalar) for a binary one."""
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        shape = a.shape
        strides, size = _compact_plan(shape)
        if a.strides == strides:
            flat = self.ext.ewise_flat(self._codes[op], a.storage, a.offset, None, 0, scalar, size)
        else:
            flat = self.ext.ewise(self._codes[op], a.storage, a.strides, a.offset, None, (), 0, scalar, shape)
        return NDArray(flat, shape, strides, 0, self)

    def add(self, a, b): return self._binary("add", a, b)
    def sub(self, a, b): return self._binary("sub", a, b)
    def mul(self, a, b): return self._binary("mul", a, b)
    def div(self, a, b): return self._binary("div", a, b)
    def maximum(self, a, b): return self._binary("maximum", a, b)
    def eq(self, a, b): return self._binary("eq", a, b)
    def ge(self, a, b): return self._binary("ge", a, b)
    def power(self, a, exponent): return self._unary("power", a, self._scalar(exponent))
    def power_ewise(self, a, b): return self._binary("power", a, b)

    # The other comparisons derive from the eq and ge kernels, NaN-correct (NaN compares unequal to all):
    # a > b is (a >= b) - (a == b); a <= b is b >= a (or -a >= -b for a scalar b); a != b is 1 - (a == b).
    def gt(self, a, b): return self.sub(self.ge(a, b), self.eq(a, b))
    def lt(self, a, b): return self.sub(self.le(a, b), self.eq(a, b))
    def ne(self, a, b): return self.rsub(self.eq(a, b), 1.0)

    def le(self, a, b):
        if b.__class__ is not NDArray:
            return self.ge(self.neg(a), -self._scalar(b))
        return self.ge(b, a)
    def rsub(self, a, b): return self._reversed("sub", a, b)
    def rdiv(self, a, b): return self._reversed("div", a, b)
    def neg(self, a): return self._unary("neg", a)
    def exp(self, a): return self._unary("exp", a)
    def log(self, a): return self._unary("log", a)
    def tanh(self, a): return self._unary("tanh", a)
    def sqrt(self, a): return self._unary("sqrt", a)
    def sigmoid(self, a): return self._unary("sigmoid", a)

    # reductions ---------------------------------------------------------------------------
    def _reduce(self, reduction, a, axes, keepdims):
        if a.__class__ is not NDArray or a.backend is not self:
            self._check(a)
        if axes is not None and axes.__class__ is not tuple:
            axes = (axes,) if isinstance(axes, int) else tuple(axes)
        shape, strides, n_kept, out_shape = _reduce_plan(a.shape, a.strides, axes, keepdims)
        flat = self.ext.reduce(reduction, a.storage, shape, strides, a.offset, n_kept)
        return NDArray(flat, out_shape, compact_strides(out_shape), 0, self)

    def sum(self, a, axes=None, keepdims=False):
        return self._reduce(0, a, axes, keepdims)

    def max(self, a, axes=None, keepdims=False):
        if a.size == 0:
            raise ValueError(f"max of an empty array (shape {a.shape}) has no value")
        return self._reduce(1, a, axes, keepdims)

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
    def flip(self, a, axes): self._check(a); return a.flip(axes)

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
            self.ext.ewise_into(self._codes["copy"], value.storage, value.strides, value.offset, None, (), 0, 0.0,
                                view.storage, view.strides, view.offset, view.shape)
        else:
            self.ext.ewise_into(self._codes["copy"], None, (), 0, None, (), 0, self._scalar(value),
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
            self.ext.ewise_into(self._codes[op], a.storage, a.strides, a.offset, None, (), 0, self._scalar(b),
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
        self.ext.ewise_into(self._codes[op], a.storage, a.strides, a.offset, b.storage, b.strides, b.offset, 0.0,
                            a.storage, a.strides, a.offset, a.shape)

    def stack(self, arrays, axis):
        arrays = list(arrays)
        for a in arrays:
            self._check(a)
        if not arrays or any(a.shape != arrays[0].shape for a in arrays):
            raise ValueError(f"stack needs at least one array, all of one shape; got {[a.shape for a in arrays]}")
        first = arrays[0]
        axis = axis % (first.ndim + 1)
        shape = first.shape[:axis] + (len(arrays),) + first.shape[axis:]
        out = self.full(shape, 0.0, first.dtype)
        for i, a in enumerate(arrays):
            out[(slice(None),) * axis + (i,)] = a
        return out

    def pad(self, a, widths):
        self._check(a)
        widths = tuple(tuple(w) for w in widths)
        if len(widths) != a.ndim or any(lo < 0 or hi < 0 for lo, hi in widths):
            raise ValueError(f"pad widths {widths} must give (before, after) >= 0 for each of the {a.ndim} axes")
        out = self.full(tuple(s + lo + hi for s, (lo, hi) in zip(a.shape, widths)), 0.0, a.dtype)
        out[tuple(slice(lo, lo + s) for s, (lo, _) in zip(a.shape, widths))] = a
        return out

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
def _reduce_plan(shape, strides, axes, keepdims):
    """(shape, strides) reordered so the reduced axes trail, the number kept, and the output shape."""
    ndim = len(shape)
    axes = tuple(range(ndim)) if axes is None else axes
    if any(not -ndim <= ax < max(ndim, 1) for ax in axes):
        raise ValueError(f"axes {axes} out of range for an array of shape {shape}")
    reduced = {ax % ndim for ax in axes} if ndim else set()
    kept = [d for d in range(ndim) if d not in reduced]
    order = kept + sorted(reduced)  # the kernel reduces the trailing axes
    if keepdims:
        out_shape = tuple(1 if d in reduced else shape[d] for d in range(ndim))
    else:
        out_shape = tuple(shape[d] for d in kept)
    return tuple(shape[d] for d in order), tuple(strides[d] for d in order), len(kept), out_shape


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
