"""What this machine can do at best: float32 matmul GFLOP/s and sustained memory GB/s (the two roofs).

The compute peak is the best of NumPy (BLAS), torch and our cpu kernels over a few sizes; the bandwidth is a
STREAM-style copy and triad on arrays far larger than the last-level cache, counting bytes read plus written.
BLAS settings (OPENBLAS_CORETYPE, thread counts) are read and reported, never changed.
"""
from __future__ import annotations

import functools
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from dlsys_lab.bench.timing import measure

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
            "MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE", "ONEDNN_MAX_CPU_ISA")
MATMUL_SIZES = (256, 512, 1024)


@dataclass(frozen=True)
class MachinePeaks:
    """Measured roofs: `gflops` (float32 matmul), `gbps` (memory), `ridge` = gflops / gbps in FLOP per byte."""

    gflops: float
    gflops_source: str
    gbps: float
    gbps_source: str
    threads: int
    llc_bytes: int
    matmul: dict = field(repr=False)
    bandwidth: dict = field(repr=False)
    blas: tuple = field(repr=False)
    env: dict = field(repr=False)
    seconds: float = field(repr=False)

    @property
    def ridge(self) -> float:
        """Arithmetic intensity (FLOP/byte) where the memory roof meets the compute roof."""
        return self.gflops / self.gbps

    def attainable(self, intensity):
        """Roofline bound in GFLOP/s at `intensity` FLOP/byte: min(peak, intensity x bandwidth)."""
        return np.minimum(self.gflops, np.asarray(intensity, dtype=np.float64) * self.gbps)

    def describe(self) -> str:
        """Several lines: the roofs, where they come from, and the BLAS settings in force."""
        lines = [f"compute peak {self.gflops:.1f} GFLOP/s ({self.gflops_source}), memory {self.gbps:.1f} GB/s "
                 f"({self.gbps_source}), ridge {self.ridge:.1f} FLOP/byte, {self.threads} thread(s), "
                 f"measured in {self.seconds:.1f} s"]
        lines += [f"  {lib['internal_api']} {lib.get('version')} ({lib.get('architecture', '?')}), "
                  f"{lib['num_threads']} threads" for lib in self.blas]
        lines.append("  " + ", ".join(f"{k}={v}" for k, v in self.env.items()) if self.env else "  no BLAS variables set")
        return "\n".join(lines)


def last_level_cache_bytes() -> int:
    """The largest CPU cache in bytes (from /sys), or 32 MiB when the system does not say."""
    sizes = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    for entry in os.listdir(base) if os.path.isdir(base) else []:
        try:
            with open(os.path.join(base, entry, "size")) as f:
                text = f.read().strip()
        except OSError:
            continue
        scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
        sizes.append(int(text.rstrip("KMG")) * scale)
    return max(sizes, default=32 * 1024**2)


@contextmanager
def _threads(n):
    """torch and BLAS pools limited to n threads inside the block (None: as they are); restored after."""
    import torch
    from threadpoolctl import threadpool_limits

    if n is None:
        yield torch.get_num_threads()
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield n
    finally:
        torch.set_num_threads(previous)


def _matmul_candidates(n: int, rng):
    import torch

    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    candidates = {"numpy": lambda: a @ b}
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    candidates["torch"] = lambda: torch.mm(ta, tb)
    from dlsys_lab.nd import device

    cpu = device("cpu")
    if cpu.available():
        da, db = cpu.backend.from_numpy(a), cpu.backend.from_numpy(b)
        candidates["dlsys_lab cpu"] = lambda: cpu.backend.matmul(da, db)
    return candidates


def measure_matmul(sizes=MATMUL_SIZES, repeat: int = 3) -> dict:
    """{(library, n): GFLOP/s} of an n x n float32 matmul (2 n^3 FLOPs), at the fastest of `repeat` samples.

    A peak is a best case, so the minimum time is the right statistic here (kernels use the median).
    """
    rng = np.random.default_rng(0)
    results = {}
    for n in sizes:
        for name, fn in _matmul_candidates(n, rng).items():
            seconds = min(measure(fn, warmup=1, repeat=repeat, min_sample_s=0.01).samples)
            results[(name, n)] = 2 * n**3 / seconds / 1e9
    return results


def measure_bandwidth(array_bytes: int, repeat: int = 3) -> dict:
    """{kernel: GB/s} for STREAM copy (c = a: 2 arrays moved) and triad (a = b + s c: 3), float32, torch threads.

    Bytes are STREAM's: each array read or written once (write-allocate traffic is not counted); fastest sample.
    """
    import torch

    n = array_bytes // 4
    a, b, c = (torch.rand(n) for _ in range(3))
    kernels = {"copy": (lambda: c.copy_(a), 2), "triad": (lambda: torch.add(b, c, alpha=3.0, out=a), 3)}
    return {name: arrays * array_bytes / min(measure(fn, warmup=1, repeat=repeat, number=1).samples) / 1e9
            for name, (fn, arrays) in kernels.items()}


def blas_info() -> tuple:
    """threadpoolctl's description of every BLAS/OpenMP library loaded in this process (read only)."""
    from threadpoolctl import threadpool_info

    return tuple(threadpool_info())


@functools.lru_cache(maxsize=None)
def machine_peaks(threads: int | None = None) -> MachinePeaks:
    """Measure (once per session and thread count) the float32 matmul peak and the memory bandwidth."""
    if threads is not None and threads < 1:
        raise ValueError(f"machine_peaks(threads={threads}): pass None (as configured) or a count >= 1")
    import torch  # noqa: F401  (load torch's BLAS before reading the thread pools)

    start = time.perf_counter()
    llc = last_level_cache_bytes()
    with _threads(threads) as used:
        matmul = measure_matmul()
        bandwidth = measure_bandwidth(max(4 * llc, 64 * 1024**2))
        blas = blas_info()
    (lib, n), gflops = max(matmul.items(), key=lambda kv: kv[1])
    kernel, gbps = max(bandwidth.items(), key=lambda kv: kv[1])
    env = {k: os.environ[k] for k in BLAS_ENV if k in os.environ}
    return MachinePeaks(gflops, f"{lib} matmul n={n}", gbps, f"torch {kernel}", used, llc, matmul, bandwidth,
                        blas, env, time.perf_counter() - start)
