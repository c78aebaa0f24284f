"""Our own compiled kernels: C++ for the `cpu` device and CUDA for `cuda`, built on first use.

`matmul(a, b, step=...)` runs one optimization step of the matmul, so a student can time each one.
"""
from __future__ import annotations

from .build import report

__all__ = ["report", "matmul", "MATMUL_STEPS"]

MATMUL_STEPS = {"cpu": ("naive", "tiled", "simd", "parallel"), "cuda": ("naive", "tiled")}


def matmul(a, b, step: str | None = None):
    """a @ b for NDArrays on `cpu` or `cuda` with the named step (default: the fastest)."""
    return a.backend.matmul(a, b, step=step)
