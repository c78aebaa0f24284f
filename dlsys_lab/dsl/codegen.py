"""Lowering a schedule to C++: one `extern "C"` function per kernel, its loops in the schedule's order.

The function takes the inputs (flat row-major float32), the output, then every named size as int64. A reduction
first zeroes its output and accumulates in the innermost loop, so any loop order computes the same sum.
"""
from __future__ import annotations

import re

from .expr import Element, Size, Tensor, size_c
from .schedule import Schedule

PRAGMAS = {"parallel": "#pragma omp parallel for", "vectorize": "#pragma omp simd", "unroll": "#pragma GCC unroll 4"}
PRELUDE = "#include <algorithm>\n#include <cmath>\n#include <cstdint>\n#include <cstring>\n"


def sizes_of(tensor: Tensor) -> list[str]:
    """The named sizes of a compute and its inputs, in order of first appearance: the kernel's int64 arguments."""
    names: list[str] = []
    for t in [tensor, *tensor.inputs()]:
        for extent in t.shape + tuple(a.extent for a in tensor.reduce_axes):
            if isinstance(extent, Size) and extent.name not in names:
                names.append(extent.name)
    return names


def signature(tensor: Tensor, name: str) -> str:
    """The C++ declaration of the kernel computing `tensor`."""
    args = [f"const float* __restrict__ {t.name}" for t in tensor.inputs()]
    args.append(f"float* __restrict__ {tensor.name}")
    args += [f"int64_t {s}" for s in sizes_of(tensor)]
    return f'extern "C" void {name}({", ".join(args)})'


def lower(schedule: Schedule, name: str | None = None) -> str:
    """The C++ of the kernel (a whole translation unit's worth of function, without the includes)."""
    tensor = schedule.tensor
    name = name or f"kernel_{tensor.name}"
    out = Element(tensor, tensor.axes).c()
    body = _substitute_axes(tensor.body.c(), schedule.index)
    out = _substitute_axes(out, schedule.index)
    lines = [signature(tensor, name) + " {"]
    if tensor.reduce_axes:
        count = " * ".join(f"(size_t)({size_c(e)})" for e in tensor.shape) or "1"
        lines.append(f"  std::memset({tensor.name}, 0, {count} * sizeof(float));")
    depth = 1
    for loop in schedule.loops:  # each trip count computed once, just before its loop (OpenMP's canonical form)
        pad = "  " * depth
        lines.append(f"{pad}{{ const int64_t {loop.name}_n = {loop.extent};")
        if loop.kind in PRAGMAS:
            lines.append(pad + PRAGMAS[loop.kind])
        lines.append(f"{pad}for (int64_t {loop.name} = 0; {loop.name} < {loop.name}_n; ++{loop.name})")
        depth += 1
    assign = "+=" if tensor.reduce_axes else "="
    lines.append(f"{'  ' * depth}{out} {assign} {body};")
    lines.append("  " + "}" * len(schedule.loops))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _substitute_axes(c: str, index: dict[str, str]) -> str:
    """C++ text with each original axis name replaced, at once, by its expression in the loop variables."""
    if not index:
        return c
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in index) + r")\b")
    return pattern.sub(lambda m: index[m.group(1)], c)
