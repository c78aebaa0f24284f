"""Observers: they watch a layer's inputs during calibration and choose the range that int8 will cover.

MinMax covers everything seen; Percentile ignores the rarest outliers, trading clipping for finer steps.
"""
from __future__ import annotations

import numpy as np

from .scheme import QParams, choose_qparams


class MinMaxObserver:
    """The range [smallest, largest] of every value observed."""

    def __init__(self):
        self.low, self.high = np.inf, -np.inf

    def observe(self, x: np.ndarray) -> None:
        """Widen the range to cover x."""
        self.low, self.high = min(self.low, float(x.min())), max(self.high, float(x.max()))

    @property
    def seen(self) -> bool:
        """Whether any value was observed."""
        return self.low <= self.high

    def range(self) -> tuple[float, float]:
        """(low, high) of what was observed."""
        return self.low, self.high

    def qparams(self, symmetric: bool) -> QParams:
        """Per-tensor int8 parameters for the observed range."""
        if not self.seen:
            raise ValueError("no value was observed: the layer never ran during calibration")
        return choose_qparams(*self.range(), symmetric)


class PercentileObserver(MinMaxObserver):
    """The range between the (100 - p)-th and p-th percentiles of the values observed (at most max_samples kept,
    taken evenly from each batch, so the estimate does not depend on the order of the batches)."""

    def __init__(self, percentile: float = 99.99, max_samples_per_batch: int = 1 << 16):
        super().__init__()
        if not 50 < percentile <= 100:
            raise ValueError(f"percentile {percentile}: expected a value in (50, 100], such as 99.99")
        self.percentile, self.max_samples_per_batch = percentile, max_samples_per_batch
        self.samples: list[np.ndarray] = []

    def observe(self, x: np.ndarray) -> None:
        super().observe(x)
        flat = np.asarray(x, np.float32).reshape(-1)
        step = max(1, len(flat) // self.max_samples_per_batch)
        self.samples.append(flat[::step])

    def range(self) -> tuple[float, float]:
        values = np.concatenate(self.samples)
        low, high = np.percentile(values, [100 - self.percentile, self.percentile])
        return float(low), float(high)


OBSERVERS = {"minmax": MinMaxObserver, "percentile": PercentileObserver}


def make_observer(name: str, **options) -> MinMaxObserver:
    """An observer by name: 'minmax' or 'percentile' (options: percentile=99.99)."""
    if name not in OBSERVERS:
        raise ValueError(f"unknown observer {name!r}; observers are: {', '.join(OBSERVERS)}")
    return OBSERVERS[name](**options)
