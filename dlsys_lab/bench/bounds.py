"""Lab 04's kernels by formula (FLOPs and compulsory bytes) and which roof bounds them.

A kernel whose intensity is below the machine's ridge point is memory-bound; at or above it, compute-bound
(exactly at the ridge both roofs give the same attainable performance, the peak).
"""
from __future__ import annotations


def gemv_cost(m: int, n: int, itemsize: int = 4) -> tuple[int, int]:
    """(flops, bytes) of y = A x with A m x n: a multiply-add per element of A; reads A and x, writes y."""
    # BEGIN LAB lab04_benchmarking gemv_cost
    return 2 * m * n, (m * n + n + m) * itemsize
    # END LAB lab04_benchmarking


def layernorm_cost(rows: int, cols: int, itemsize: int = 4) -> tuple[int, int]:
    """(flops, bytes) of lab 04's row LayerNorm with gain and bias (one FLOP per arithmetic result).

    Per row: the mean (cols - 1 adds, 1 divide), centring (cols), squares (cols), their mean (cols - 1 adds,
    1 divide), 1 / sqrt(var + eps) (3), then centred * inv * gain + bias (3 cols): 7 rows cols + 3 rows.
    Bytes: reads x, gain and bias, writes y.
    """
    # BEGIN LAB lab04_benchmarking layernorm_cost
    return 7 * rows * cols + 3 * rows, (2 * rows * cols + 2 * cols) * itemsize
    # END LAB lab04_benchmarking


def classify(intensity: float, ridge: float) -> str:
    """'memory' when intensity (FLOP/byte) is below the ridge, else 'compute'."""
    # BEGIN LAB lab04_benchmarking classify
    if intensity < 0 or ridge <= 0:
        raise ValueError(f"intensity={intensity}, ridge={ridge}: pass intensity >= 0 and ridge > 0")
    return "memory" if intensity < ridge else "compute"
    # END LAB lab04_benchmarking
