"""Storage dtypes: float32 and float64, and the half-precision storages bfloat16 and float16.

Half arrays store 16-bit values but compute in float32: every backend widens the elements, works (and
accumulates matmuls and sums) in float32, and rounds the result to the storage dtype once, to nearest even.
NumPy has float16; bfloat16 comes from `ml_dtypes` (installed with JAX), imported on first use.
"""
from __future__ import annotations

import functools

import numpy as np

FULL = ("float32", "float64")
HALF = ("bfloat16", "float16")


@functools.lru_cache(maxsize=None)
def numpy_dtype(name: str) -> np.dtype:
    """The NumPy dtype of a storage dtype name ('bfloat16' is ml_dtypes.bfloat16)."""
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError as err:
            raise TypeError("bfloat16 arrays need the ml_dtypes package (pip install ml_dtypes; JAX brings it)") from err
        return np.dtype(ml_dtypes.bfloat16)
    if name not in FULL + HALF:
        raise TypeError(f"dtype {name!r} is not supported; use one of {FULL + HALF}")
    return np.dtype(name)


def is_half(name: str) -> bool:
    """True for the 16-bit storages (bfloat16, float16)."""
    return name in HALF


@functools.lru_cache(maxsize=None)
def promote(a: str, b: str) -> str:
    """The dtype of a binary op on dtypes a and b, NumPy's rule: a half with float32 (or the other half) is
    float32, anything with float64 is float64."""
    return np.promote_types(numpy_dtype(a), numpy_dtype(b)).name
