"""Schedules: how the loops of one compute run, changed one primitive at a time (split, reorder, tile, vectorize,
parallel, unroll), without touching what it computes (Halide's schedule, TVM's te.create_schedule)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .expr import IterVar, Tensor, size_c


@dataclass(frozen=True, eq=False)
class Loop:
    """One loop of the nest: its variable name, its trip count as C++, and its annotation."""

    name: str
    extent: str
    reduce: bool
    kind: str = "serial"  # serial, parallel, vectorize, unroll


class Schedule:
    """The loop nest of `tensor`: at first one loop per output axis then one per reduction axis, in order."""

    def __init__(self, tensor: Tensor):
        self.tensor = tensor
        axes = tensor.axes + tensor.reduce_axes
        self.loops: list[Loop] = [Loop(a.name, size_c(a.extent), a.reduce) for a in axes]
        self.index: dict[str, str] = {a.name: a.name for a in axes}  # original axis -> C++ of the loop variables
        self.steps: list[str] = []

    def _position(self, name) -> int:
        name = name.name if isinstance(name, IterVar) else name
        for position, loop in enumerate(self.loops):
            if loop.name == name:
                return position
        raise KeyError(f"no loop {name!r}; the loops are {[loop.name for loop in self.loops]}")

    def split(self, axis, factor: int) -> tuple[str, str]:
        """axis -> (outer, inner) with axis = outer * factor + inner; the inner loop stops at the axis's end."""
        factor = int(factor)
        if factor < 1:
            raise ValueError(f"split factor {factor}: it must be at least 1")
        position = self._position(axis)
        loop = self.loops[position]
        outer, inner = f"{loop.name}_o", f"{loop.name}_i"
        self.loops[position:position + 1] = [
            Loop(outer, f"(({loop.extent}) + {factor - 1}) / {factor}", loop.reduce),
            Loop(inner, f"std::min<int64_t>({factor}, ({loop.extent}) - {outer} * {factor})", loop.reduce)]
        whole = f"({outer} * {factor} + {inner})"
        self.index = {axis_name: _substitute(c, loop.name, whole) for axis_name, c in self.index.items()}
        self.loops = [Loop(other.name, _substitute(other.extent, loop.name, whole), other.reduce, other.kind)
                      for other in self.loops]
        self.steps.append(f"split({loop.name}, {factor})")
        return outer, inner

    def reorder(self, *names) -> None:
        """Put these loops in this order, in the positions they occupy now; an inner loop of a split must stay
        inside its outer loop (its trip count depends on it)."""
        before = list(self.loops)
        positions = sorted(self._position(n) for n in names)
        chosen = [self.loops[self._position(n)] for n in names]
        for position, loop in zip(positions, chosen):
            self.loops[position] = loop
        for position, loop in enumerate(self.loops):
            later = [other.name for other in self.loops[position + 1:] if _substitute(loop.extent, other.name, "")
                     != loop.extent]
            if later:
                self.loops = before
                raise ValueError(f"reorder puts {loop.name} outside {later[0]}, which its trip count depends on: "
                                 f"a split's inner loop must stay inside its outer loop")
        self.steps.append(f"reorder({', '.join(loop.name for loop in chosen)})")

    def tile(self, x, y, x_factor: int, y_factor: int) -> tuple[str, str, str, str]:
        """Split x and y and order the loops (x_o, y_o, x_i, y_i): blocks of x_factor x y_factor outputs."""
        xo, xi = self.split(x, x_factor)
        yo, yi = self.split(y, y_factor)
        self.reorder(xo, yo, xi, yi)
        return xo, yo, xi, yi

    def _annotate(self, name, kind: str) -> None:
        position = self._position(name)
        loop = self.loops[position]
        if kind == "parallel" and loop.reduce:
            raise ValueError(f"{loop.name} runs over a reduction: threads would add into the same outputs at once")
        if kind == "vectorize" and (position != len(self.loops) - 1 or loop.reduce):
            raise ValueError(f"vectorize the innermost loop over an output axis, not {loop.name}; reorder first")
        self.loops[position] = Loop(loop.name, loop.extent, loop.reduce, kind)
        self.steps.append(f"{kind}({loop.name})")

    def vectorize(self, name) -> None:
        """Run the innermost loop (over an output axis) with SIMD instructions (#pragma omp simd)."""
        self._annotate(name, "vectorize")

    def parallel(self, name) -> None:
        """Spread this loop (over an output axis) over OpenMP threads."""
        self._annotate(name, "parallel")

    def unroll(self, name) -> None:
        """Ask the compiler to unroll this loop (#pragma GCC unroll)."""
        self._annotate(name, "unroll")

    def __repr__(self):
        return f"Schedule({self.tensor.name}: {', '.join(self.steps) or 'default'})"


def _substitute(c: str, name: str, replacement: str) -> str:
    """C++ text c with the whole word `name` replaced."""
    return re.sub(rf"\b{re.escape(name)}\b", replacement, c)


def create_schedule(tensor: Tensor) -> Schedule:
    """The default schedule of a compute: its axes in order, serial, then its reduction axes."""
    if tensor.body is None:
        raise ValueError(f"{tensor.name} is a placeholder: schedule a compute")
    return Schedule(tensor)
