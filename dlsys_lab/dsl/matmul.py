"""The matmul in the DSL and the schedules that retrace week 5's kernel steps (matmul.cpp), one primitive each."""
from __future__ import annotations

from . import expr as te
from .schedule import Schedule, create_schedule


def matmul_compute() -> te.Tensor:
    """C[i, j] = sum_k A[i, k] * B[k, j] for sizes M, N, K fixed at the call."""
    m, n, k = te.size("M"), te.size("N"), te.size("K")
    a, b = te.placeholder((m, k), "A"), te.placeholder((k, n), "B")
    r = te.reduce_axis(k, "k")
    return te.compute((m, n), lambda i, j: te.sum(a[i, r] * b[r, j], axis=r), "C")


def matmul_schedule(step: str, tile: int = 64) -> Schedule:
    """The matmul scheduled as one of STEPS; each step adds one primitive to the one before."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; the steps are {list(STEPS)}")
    s = create_schedule(matmul_compute())
    if step == "naive":  # i, j, k: B read down a column, a new cache line for every k
        return s
    if step == "interchange":  # i, k, j: the inner loop walks rows of B and C
        s.reorder("i", "k", "j")
        return s
    io, ii = s.split("i", tile)
    jo, ji = s.split("j", tile)
    ko, ki = s.split("k", tile)
    s.reorder(io, jo, ko, ii, ki, ji)  # tiles of A, B and C that stay in cache while reused
    if step in ("vectorize", "parallel"):
        s.vectorize(ji)
    if step == "parallel":
        s.parallel(io)
    return s


STEPS = {"naive": "matmul_naive", "interchange": "matmul_naive", "tiled": "matmul_tiled",
         "vectorize": "matmul_simd", "parallel": "matmul_parallel"}  # DSL step -> the nearest week-5 step
