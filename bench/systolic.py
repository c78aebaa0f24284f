"""The systolic simulator's speed: a 256 x 256 x 256 integer GEMM on a 32 x 32 array, each dataflow, one core.

Prints seconds per run (median of 3, with the spread) and cycles simulated per second; the simulator steps every
cycle with NumPy operations over the whole array (no Python loop per multiply-accumulate).
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread limits)

from dlsys_lab.hardware import systolic  # noqa: E402


def main(n: int = 256, side: int = 32, repeats: int = 3) -> None:
    rng = np.random.default_rng(0)
    A, B = rng.integers(-8, 8, (n, n)), rng.integers(-8, 8, (n, n))
    print(f"{n}x{n}x{n} GEMM on a {side}x{side} array, one thread (load average {os.getloadavg()[0]:.1f})")
    for dataflow in systolic.DATAFLOWS:
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            C, stats = systolic.simulate(A, B, side, side, dataflow)
            seconds.append(time.perf_counter() - start)
        assert np.array_equal(C, A @ B)
        median = statistics.median(seconds)
        print(f"{dataflow}: {median:.2f} s (spread {max(seconds) - min(seconds):.2f} s), {stats.cycles} cycles, "
              f"{stats.cycles / median:,.0f} cycles/s, utilization {stats.utilization:.1%}")


if __name__ == "__main__":
    main()
