"""Compiling lowered kernels with load_inline (dlsys_lab.kernels.inline) and calling them on NumPy arrays."""
from __future__ import annotations

import ctypes

import numpy as np

from ..kernels.build import cache_root
from ..kernels.inline import compile_library
from .codegen import PRELUDE, lower, sizes_of
from .expr import Size
from .schedule import Schedule


class Kernel:
    """A compiled schedule: kernel(*arrays) is the compute on float32 NumPy inputs (sizes read from their shapes)."""

    def __init__(self, schedule: Schedule, name: str, source: str, library: ctypes.CDLL):
        self.schedule, self.name, self.source = schedule, name, source
        self.tensor = schedule.tensor
        self.inputs = self.tensor.inputs()
        self.sizes = sizes_of(self.tensor)
        self._fn = getattr(library, name)
        self._fn.restype = None

    def __repr__(self):
        return f"Kernel({self.name}: {self.schedule})"

    def bind_sizes(self, arrays) -> dict[str, int]:
        """{size name: value} read from the inputs' shapes; a ValueError when two inputs disagree."""
        bound: dict[str, int] = {}
        for tensor, array in zip(self.inputs, arrays):
            if array.ndim != len(tensor.shape):
                raise ValueError(f"{tensor.name} has {len(tensor.shape)} axes, got an array of shape {array.shape}")
            for extent, got in zip(tensor.shape, array.shape):
                want = bound.setdefault(extent.name, got) if isinstance(extent, Size) else int(extent)
                if want != got:
                    raise ValueError(f"{tensor.name}: axis of size {got} where {want} is expected ({extent})")
        missing = [s for s in self.sizes if s not in bound]
        if missing:
            raise ValueError(f"sizes {missing} appear in no input's shape: use them in an input's shape")
        return bound

    def __call__(self, *arrays) -> np.ndarray:
        """The output for float32 inputs in the order the compute first reads them."""
        if len(arrays) != len(self.inputs):
            raise ValueError(f"{self.name} takes {len(self.inputs)} inputs ({[t.name for t in self.inputs]})")
        arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in arrays]
        bound = self.bind_sizes(arrays)
        shape = tuple(bound[e.name] if isinstance(e, Size) else int(e) for e in self.tensor.shape)
        out = np.empty(shape, np.float32)
        pointer = ctypes.POINTER(ctypes.c_float)
        self._fn(*[a.ctypes.data_as(pointer) for a in arrays], out.ctypes.data_as(pointer),
                 *[ctypes.c_int64(bound[s]) for s in self.sizes])
        return out


def build(schedules: dict[str, Schedule], timeout: float = 120.0) -> dict[str, Kernel]:
    """Compile {kernel name: schedule} into one library (cached by its code under the kernel cache); a Kernel each."""
    sources = {name: lower(schedule, name) for name, schedule in schedules.items()}
    library = compile_library(PRELUDE + "\n".join(sources.values()), timeout, str(cache_root() / "dsl"))
    return {name: Kernel(schedules[name], name, sources[name], library) for name in schedules}
