"""The integer product of a quantized layer, two ways: our C++ int8 kernel and a float64 reference.

Both compute C = A @ B.T exactly in int32 for int8 A (M x K) and B (N x K): every product and partial sum of
int8 values is an integer well below 2^53, so float64 holds it exactly and the two must agree bit for bit.
"""
from __future__ import annotations

import numpy as np

KERNELS = ("cpu", "reference")


def matmul_int8(a: np.ndarray, b: np.ndarray, kernel: str = "cpu") -> np.ndarray:
    """int32 A @ B.T for int8 matrices A (M x K) and B (N x K), on `kernel` ('cpu' or 'reference')."""
    if a.dtype != np.int8 or b.dtype != np.int8 or a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"matmul_int8 takes int8 matrices M x K and N x K, got {a.dtype} {a.shape} and "
                         f"{b.dtype} {b.shape}")
    if kernel == "reference":
        return (a.astype(np.float64) @ b.astype(np.float64).T).astype(np.int32)
    if kernel == "cpu":
        import torch

        from ..nd.device import device

        ext = device("cpu").backend.ext
        return ext.matmul_int8(torch.from_numpy(np.ascontiguousarray(a)),
                               torch.from_numpy(np.ascontiguousarray(b))).numpy()
    raise ValueError(f"unknown kernel {kernel!r}; kernels are: {', '.join(KERNELS)}")


def default_kernel() -> str:
    """'cpu' where our compiled kernels are usable, else the float64 reference."""
    from ..nd.device import device

    return "cpu" if device("cpu").available() else "reference"
