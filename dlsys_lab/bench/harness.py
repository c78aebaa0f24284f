"""The timing harness of lab 04: warm-up calls, one timed call per sample, a sync hook, median and IQR.

`percentile` interpolates linearly between order statistics, as NumPy's default does; `time_calls` reads
the clock it is given, so a test can pass a fake one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence


@dataclass(frozen=True)
class Summary:
    """Seconds per call of each timed sample, with their median and interquartile range."""

    samples: tuple[float, ...]
    median: float
    iqr: float


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0 <= q <= 100) of samples, interpolating linearly between sorted values."""
    # BEGIN LAB lab04_benchmarking percentile
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"q={q}: pass 0 <= q <= 100")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    below = int(rank)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)
    # END LAB lab04_benchmarking


def time_calls(fn: Callable[[], object], warmup: int = 3, repeat: int = 10,
               sync: Callable[[object], object] | None = None,
               clock: Callable[[], float] = time.perf_counter) -> Summary:
    """Call fn `warmup` times untimed, then time `repeat` single calls (each followed by sync(result))."""
    # BEGIN LAB lab04_benchmarking time_calls
    if repeat < 1 or warmup < 0:
        raise ValueError(f"warmup={warmup}, repeat={repeat}: pass warmup >= 0 and repeat >= 1")
    for _ in range(warmup):
        out = fn()
        if sync is not None:
            sync(out)
    samples = []
    for _ in range(repeat):
        start = clock()
        out = fn()
        if sync is not None:
            sync(out)
        samples.append(clock() - start)
    return Summary(tuple(samples), percentile(samples, 50), percentile(samples, 75) - percentile(samples, 25))
    # END LAB lab04_benchmarking
