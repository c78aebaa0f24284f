"""Wall-clock timing with warm-up runs and medians over repeats.

Tiny calls are looped `number` times per repeat so that each sample is well above the clock's resolution.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Timing:
    """Seconds per call for each repeat; the median is the number to report."""

    samples: tuple[float, ...]
    number: int

    @property
    def median(self) -> float:
        """Median seconds per call over the repeats."""
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Interquartile range of the per-call seconds (0 with fewer than two repeats)."""
        if len(self.samples) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q3 - q1

    def __str__(self) -> str:
        return f"{format_seconds(self.median)} (IQR {format_seconds(self.spread)}, {len(self.samples)}x{self.number})"


def format_seconds(seconds: float) -> str:
    """A duration with a readable unit: ns, us, ms or s."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def calls_per_sample(fn: Callable[[], object], min_sample_s: float) -> int:
    """How many calls of `fn` make one sample last at least `min_sample_s` (a power of ten)."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= min_sample_s or number >= 10**6:
            return number
        number *= 10


def measure(fn: Callable[[], object], *, warmup: int = 2, repeat: int = 7, number: int | None = None,
            min_sample_s: float = 2e-3, sync: Callable[[object], object] | None = None) -> Timing:
    """Time `fn()` after `warmup` calls: `repeat` samples of `number` calls each (auto-chosen if None).

    `sync` receives the last result of each sample and must block until it is ready (e.g.
    `jax.block_until_ready`), so asynchronous frameworks are timed to completion.
    """
    if repeat < 1:
        raise ValueError(f"repeat={repeat}: pass repeat >= 1")
    for _ in range(warmup):
        out = fn()
        if sync is not None:
            sync(out)
    if number is None:
        number = calls_per_sample(fn, min_sample_s)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            out = fn()
        if sync is not None:
            sync(out)
        samples.append((time.perf_counter() - start) / number)
    return Timing(tuple(samples), number)


def call_timer(fn: Callable[[], object], *, number: int | None = None, min_sample_s: float = 2e-3,
               sync: Callable[[object], object] | None = None) -> Callable[[], float]:
    """A function that calls `fn` `number` times (auto-chosen if None) and returns seconds per call.

    Pass such timers to `dlsys_lab.compare.digits_task.time_interleaved` to time several functions round by round.
    """
    if number is None:
        number = calls_per_sample(fn, min_sample_s)

    def seconds_per_call() -> float:
        start = time.perf_counter()
        for _ in range(number):
            out = fn()
        if sync is not None:
            sync(out)
        return (time.perf_counter() - start) / number

    return seconds_per_call
