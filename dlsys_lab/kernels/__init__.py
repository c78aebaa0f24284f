"""Our own compiled kernels: C++ for the `cpu` device and CUDA for `cuda`, built on first use.

`matmul(a, b, step=...)` runs one optimization step of the matmul, so a student can time each one; the steps
are the names the compiled module lists (`MATMUL_STEPS` in C++), as `dlsys doctor` shows.
"""
from __future__ import annotations

__all__ = ["report", "matmul"]


def report() -> str:
    """The build report of the compiled backends (what `dlsys doctor` prints)."""
    from .build import report as build_report

    return build_report()


def matmul(a, b, step: str | None = None):
    """a @ b for NDArrays on `cpu` or `cuda` with the named step (default: the fastest)."""
    return a.backend.matmul(a, b, step=step)
