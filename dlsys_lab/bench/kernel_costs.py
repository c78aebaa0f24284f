"""FLOPs and compulsory bytes of the kernels on the roofline, by formula (float32 unless `itemsize` says).

Bytes count each input read once and each output written once (an ideal cache); an implementation that writes
intermediates (unfused softmax, attention's score matrix) moves more, so it sits further below the roof.
FLOP conventions: a multiply-add is 2 FLOPs; exp, max and divide count 1 each.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KernelCost:
    """FLOPs and bytes of one kernel call; `intensity` = flops / bytes (FLOP per byte)."""

    kernel: str
    size: str
    flops: int
    bytes: int
    formula: str

    @property
    def intensity(self) -> float:
        """Arithmetic intensity in FLOP/byte."""
        return self.flops / self.bytes


def axpy(n: int, itemsize: int = 4) -> KernelCost:
    """y = a x + y on n elements: 2n FLOPs; reads x and y, writes y."""
    return KernelCost("axpy", f"n={n}", 2 * n, 3 * n * itemsize, "2n FLOP / 3n words")


def reduce_sum(n: int, itemsize: int = 4) -> KernelCost:
    """sum of n elements: n - 1 additions; reads n words, writes one."""
    return KernelCost("sum", f"n={n}", n - 1, (n + 1) * itemsize, "(n-1) FLOP / (n+1) words")


def softmax(rows: int, cols: int, itemsize: int = 4) -> KernelCost:
    """Row softmax: max, subtract, exp, sum, divide = 5 FLOPs per element; reads and writes rows x cols."""
    n = rows * cols
    return KernelCost("softmax", f"{rows}x{cols}", 5 * n, 2 * n * itemsize, "5rc FLOP / 2rc words")


def matmul(m: int, n: int, k: int, itemsize: int = 4) -> KernelCost:
    """(m x k) @ (k x n): 2mnk FLOPs; reads mk + kn words, writes mn."""
    return KernelCost("matmul", f"{m}x{k}@{k}x{n}", 2 * m * n * k, (m * k + k * n + m * n) * itemsize,
                      "2mnk FLOP / (mk+kn+mn) words")


def conv2d(batch: int, channels: int, height: int, width: int, filters: int, kernel: int, stride: int = 1,
           padding: int = 0, itemsize: int = 4) -> KernelCost:
    """NCHW conv: 2 N F Ho Wo C R S FLOPs; reads the input and the weights, writes the output."""
    ho = (height + 2 * padding - kernel) // stride + 1
    wo = (width + 2 * padding - kernel) // stride + 1
    flops = 2 * batch * filters * ho * wo * channels * kernel * kernel
    words = batch * channels * height * width + filters * channels * kernel * kernel + batch * filters * ho * wo
    return KernelCost("conv2d", f"{batch}x{channels}x{height}x{width} k{kernel} f{filters}", flops, words * itemsize,
                      "2NF·HoWo·CRS FLOP / (NCHW+FCRS+NF·HoWo) words")


def attention(batch: int, seq: int, dim: int, itemsize: int = 4) -> KernelCost:
    """softmax(Q K^T / sqrt(d)) V: 4 b s^2 d (two matmuls) + 6 b s^2 (scale + softmax); reads Q, K, V, writes out."""
    flops = 4 * batch * seq * seq * dim + 6 * batch * seq * seq
    return KernelCost("attention", f"b{batch} s{seq} d{dim}", flops, 4 * batch * seq * dim * itemsize,
                      "(4bs²d + 6bs²) FLOP / 4bsd words")


def formulas() -> dict[str, str]:
    """Kernel name -> its FLOP/byte formula, for tables in notebooks."""
    examples = [axpy(1), reduce_sum(2), softmax(1, 1), matmul(1, 1, 1), conv2d(1, 1, 3, 3, 1, 3), attention(1, 1, 1)]
    return {c.kernel: c.formula for c in examples}
