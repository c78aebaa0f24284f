"""What the profiler keeps per op call, and the bytes of new memory an op's output holds.

An event stores shapes and sizes, never the arrays, so profiling keeps no tensor alive longer than the run would.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

@dataclass(frozen=True)
class OpEvent:
    """One op call: `phase` is "forward" or "backward"; times in ns from perf_counter_ns; depth 0 is outermost."""

    name: str
    phase: str
    start_ns: int
    end_ns: int
    depth: int
    input_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...]
    dtype: str
    device: str
    bytes_allocated: int
    thread: int

    @property
    def duration_ns(self) -> int:
        """Wall time of the call, children included."""
        return self.end_ns - self.start_ns


_ITEMSIZE: dict = {}  # storage dtype -> bytes per element, filled on first sight (a method call saved per op)


def output_info(out, arrays) -> tuple[object, int]:
    """(dtype object, bytes of new memory) of an op's output: 0 bytes when it is a view of (or is) an input.

    An NDArray shares memory with an input when both use one storage; a NumPy view's `base` is the array that
    owns its memory (NumPy collapses chains of views), compared with each input and that input's own base.
    """
    storage = getattr(out, "storage", None)
    if storage is not None:
        dtype = storage.dtype
        for array in arrays:
            if array.storage is storage:
                return dtype, 0
        itemsize = _ITEMSIZE.get(dtype) or _ITEMSIZE.setdefault(dtype, storage.element_size())
        return dtype, math.prod(out.shape) * itemsize
    owner = out if out.base is None else out.base
    for array in arrays:
        if array is owner or array.base is owner:
            return out.dtype, 0
    return out.dtype, out.nbytes


def forward_record(out, arrays) -> tuple:
    """(input shapes, output shape, dtype object, bytes allocated) of one forward call, in one pass over its arrays."""
    shapes = []
    storage = getattr(out, "storage", None)
    if storage is not None:  # NDArray: new memory unless an input shares the storage
        nbytes = -1
        for a in arrays:
            shapes.append(a.shape)
            if a.storage is storage:
                nbytes = 0
        dtype = storage.dtype
        if nbytes:
            nbytes = math.prod(out.shape) * (_ITEMSIZE.get(dtype) or _ITEMSIZE.setdefault(dtype, storage.element_size()))
        return tuple(shapes), out.shape, dtype, nbytes
    owner = out if out.base is None else out.base
    nbytes = out.nbytes
    for a in arrays:
        shapes.append(a.shape)
        if a is owner or a.base is owner:
            nbytes = 0
    return tuple(shapes), out.shape, out.dtype, nbytes


def dtype_name(dtype) -> str:
    """'float32' or 'float64' from a NumPy dtype, a torch dtype or a name."""
    if isinstance(dtype, str):
        return dtype
    return getattr(dtype, "name", None) or str(dtype).removeprefix("torch.")
