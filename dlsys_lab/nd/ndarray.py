"""The strided NDArray of the compiled backends: a flat storage plus shape, strides and offset.

Reshape, permute, broadcast_to, flip and basic slicing make views that share the storage; compact() copies.
"""
from __future__ import annotations

import math

import numpy as np

from .shapes import Shaped, broadcast_shapes, compact_strides, permutation

__all__ = ["NDArray", "broadcast_shapes", "compact_strides"]

DTYPE_NAMES = {"torch.float32": "float32", "torch.float64": "float64", "torch.bfloat16": "bfloat16",
               "torch.float16": "float16"}


class NDArray(Shaped):
    """An n-dimensional view of a flat storage (a 1-D torch tensor) owned by a compiled backend."""

    __slots__ = ("storage", "shape", "strides", "offset", "backend")

    def __init__(self, storage, shape, strides, offset, backend):
        self.storage, self.shape, self.strides, self.offset, self.backend = storage, shape, strides, offset, backend

    # properties -----------------------------------------------------------------------------
    @property
    def dtype(self) -> str:
        """'float32', 'float64', 'bfloat16' or 'float16'."""
        return DTYPE_NAMES[str(self.storage.dtype)]

    @property
    def device(self) -> str:
        """The name of the device holding the storage."""
        return self.backend.name

    def data_ptr(self) -> int:
        """The address of the first element: views of one storage differ only by their offset."""
        return self.storage.data_ptr() + self.offset * self.storage.element_size()

    def is_compact(self) -> bool:
        """True when the elements lie back to back in row-major order (offset aside)."""
        return self.strides == compact_strides(self.shape) or self.size <= 1

    def compact(self) -> "NDArray":
        """Self when compact, else a compact copy (the strided-copy kernel)."""
        return self if self.is_compact() else self.backend.copy(self)

    def numpy(self) -> np.ndarray:
        """The elements as a NumPy array."""
        return self.backend.to_numpy(self)

    def __repr__(self):
        return f"NDArray({self.numpy()!r}, device='{self.device}', strides={self.strides}, offset={self.offset})"

    # views ------------------------------------------------------------------------------------
    def _view(self, shape, strides, offset) -> "NDArray":
        return NDArray(self.storage, tuple(shape), tuple(strides), offset, self.backend)

    def reshape(self, shape) -> "NDArray":
        """Same elements in a new shape (one entry may be -1): a view when compact, else a copy."""
        shape = tuple(int(s) for s in shape)
        if shape.count(-1) == 1:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.size // known if s == -1 and known else s for s in shape)
        if math.prod(shape) != self.size or any(s < 0 for s in shape):
            raise ValueError(f"cannot reshape an array of shape {self.shape} into shape {shape}")
        source = self.compact()
        return source._view(shape, compact_strides(shape), source.offset)

    def permute(self, axes) -> "NDArray":
        """A view with the axes reordered: new axis i is old axis axes[i]."""
        try:
            axes = permutation(tuple(axes), self.shape, "permute")
        except ValueError as err:
            raise ValueError(f"{err} of shape {self.shape}") from None
        shape, strides = self.shape, self.strides
        return NDArray(self.storage, tuple([shape[a] for a in axes]), tuple([strides[a] for a in axes]), self.offset,
                       self.backend)

    def broadcast_to(self, shape) -> "NDArray":
        """A view repeating size-1 (and new leading) axes with stride 0, like np.broadcast_to."""
        shape = tuple(shape)
        if shape == self.shape:
            return self
        lead = len(shape) - self.ndim
        if lead < 0 or any(s != 1 and s != t for s, t in zip(self.shape, shape[lead:])):
            raise ValueError(f"cannot broadcast an array of shape {self.shape} to shape {shape}")
        strides = [0] * lead + [st if s == t else 0 for s, t, st in zip(self.shape, shape[lead:], self.strides)]
        return self._view(shape, strides, self.offset)

    def flip(self, axes) -> "NDArray":
        """A view with the order of elements reversed along the axes (negative strides)."""
        strides, offset = list(self.strides), self.offset
        for axis in axes:
            if self.shape[axis] > 0:
                offset += (self.shape[axis] - 1) * strides[axis]
            strides[axis] = -strides[axis]
        return self._view(self.shape, strides, offset)

    def __getitem__(self, index) -> "NDArray":
        """Basic indexing (ints, slices with any step, None, ...) as a view."""
        index = _expand_index(index if isinstance(index, tuple) else (index,), self.ndim)
        shape, strides, offset, axis = [], [], self.offset, 0
        for item in index:
            if item is None:
                shape.append(1), strides.append(0)
                continue
            size, stride = self.shape[axis], self.strides[axis]
            axis += 1
            if isinstance(item, slice):
                start, stop, step = item.indices(size)
                length = len(range(start, stop, step))
                offset += start * stride if length else 0
                shape.append(length), strides.append(stride * step)
            else:
                i = int(item)
                if not -size <= i < size:
                    raise IndexError(f"index {i} is out of bounds for axis {axis - 1} with size {size}")
                offset += (i % size) * stride
        return self._view(shape, strides, offset)

    def __setitem__(self, index, value) -> None:
        """Writes a scalar or a (broadcast) NDArray into the view self[index], in place."""
        self.backend.assign(self[index], value)


def _expand_index(index: tuple, ndim: int) -> tuple:
    """The index with its Ellipsis expanded and missing trailing axes filled with full slices."""
    for item in index:
        if not (item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer))):
            raise TypeError(f"unsupported index {item!r}: use ints, slices, None or ... (basic indexing)")
    used = sum(1 for item in index if item is not None and item is not Ellipsis)
    if used > ndim:
        raise IndexError(f"too many indices ({used}) for an array with {ndim} dimensions")
    fill = (slice(None),) * (ndim - used)
    if Ellipsis in index:
        at = index.index(Ellipsis)
        return index[:at] + fill + tuple(i for i in index[at + 1:] if i is not Ellipsis)
    return index + fill
