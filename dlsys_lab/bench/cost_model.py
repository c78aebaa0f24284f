"""The simplest cost model of a call: a fixed overhead plus a cost per element, t(n) = overhead + n * per_element.

Fitted on relative errors so that tiny sizes (where the overhead shows) weigh as much as large ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class LinearCost:
    """Seconds per call as overhead + n * per_element; `crossover` is the n where both terms are equal."""

    overhead: float
    per_element: float

    def __call__(self, n):
        """Predicted seconds for n elements."""
        return self.overhead + self.per_element * np.asarray(n, dtype=np.float64)

    @property
    def crossover(self) -> float:
        """Elements at which compute time equals the fixed overhead (inf if the per-element cost is 0)."""
        return self.overhead / self.per_element if self.per_element > 0 else float("inf")


def fit_linear_cost(sizes: Sequence[float], seconds: Sequence[float]) -> LinearCost:
    """Least-squares fit of t = overhead + n * per_element minimising relative residuals."""
    n = np.asarray(sizes, dtype=np.float64)
    t = np.asarray(seconds, dtype=np.float64)
    if n.shape != t.shape or n.size < 2:
        raise ValueError(f"need matching sizes and seconds with at least 2 points, got {n.size} and {t.size}")
    if np.any(t <= 0):
        raise ValueError("seconds must be positive; time each size with dlsys_lab.bench.measure")
    design = np.stack([1.0 / t, n / t], axis=1)
    (overhead, per_element), *_ = np.linalg.lstsq(design, np.ones_like(t), rcond=None)
    return LinearCost(float(overhead), float(per_element))
