"""Measured kernels against the roofline: attainable GFLOP/s = min(peak, intensity x bandwidth).

`measure_kernels` times the suite of kernel_suite.py; `roofline(peaks, points)` draws them under the roof and
`explain(peaks, point)` says why a point sits where it does (above the DRAM roof only when it fits in cache).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlsys_lab.bench.kernel_costs import KernelCost
from dlsys_lab.bench.kernel_suite import FAST_SIZES, LIBRARIES, SIZES, build
from dlsys_lab.bench.timing import measure

MARKERS = {"axpy": "o", "sum": "v", "softmax": "s", "matmul": "D", "conv2d": "P", "attention": "*"}
COLORS = {"numpy": "tab:blue", "torch": "tab:orange", "dlsys_lab": "tab:green"}


@dataclass(frozen=True)
class KernelPoint:
    """One timed kernel: its cost, the library that ran it, and the median seconds (with IQR) per call."""

    cost: KernelCost
    library: str
    seconds: float
    spread: float

    @property
    def intensity(self) -> float:
        """FLOP per byte of compulsory traffic."""
        return self.cost.intensity

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s at the median time."""
        return self.cost.flops / self.seconds / 1e9

    @property
    def gflops_error(self) -> float:
        """Half the GFLOP/s range spanned by median +- IQR/2: the point's measurement error."""
        lo, hi = self.seconds - self.spread / 2, self.seconds + self.spread / 2
        return (self.cost.flops / max(lo, 1e-12) - self.cost.flops / hi) / 2e9


def measure_kernels(kernels=None, libraries=LIBRARIES, fast: bool = False, device: str = "cpu",
                    repeat: int = 5, progress: bool = True) -> list[KernelPoint]:
    """Time each kernel at each size (SIZES, or FAST_SIZES when fast) in each library."""
    sizes = FAST_SIZES if fast else SIZES
    chosen = kernels or list(sizes)
    jobs = [(k, size, lib) for k in chosen for size in sizes[k] for lib in libraries]
    from tqdm.auto import tqdm

    points = []
    for kernel, size, library in tqdm(jobs, desc="kernels", disable=not progress):
        cost, fn = build(kernel, size, library, device)
        timing = measure(fn, warmup=2, repeat=repeat, min_sample_s=5e-3)
        points.append(KernelPoint(cost, library, timing.median, timing.spread))
    return points


def explain(peaks, point: KernelPoint, tolerance: float = 0.1) -> str:
    """Why the point sits where it does relative to the roof (a sentence)."""
    roof = float(peaks.attainable(point.intensity))
    share = point.gflops / roof
    if point.gflops > roof * (1 + tolerance) + point.gflops_error:
        if point.cost.bytes <= peaks.llc_bytes:
            return (f"above the DRAM roof ({share:.1f}x): its {point.cost.bytes / 1e6:.2f} MB fit in the "
                    f"{peaks.llc_bytes / 1e6:.0f} MB cache, whose bandwidth is higher")
        return f"above the roof ({share:.1f}x) beyond measurement error: check the FLOP count and the peaks"
    bound = "memory" if point.intensity < peaks.ridge else "compute"
    if point.seconds < 20e-6 and share < 0.3:
        return f"{share:.0%} of a {bound} roof: the call's fixed overhead (~{point.seconds * 1e6:.0f} us) dominates"
    if share < 0.3 and point.cost.kernel in ("softmax", "attention", "axpy", "conv2d"):
        return f"{share:.0%} of a {bound} roof: the implementation moves more than the compulsory bytes " \
               f"(intermediates written and read back) or uses no tuned kernel"
    return f"{share:.0%} of the {bound} roof"


def roofline(peaks, kernels, ax=None, title: str | None = None):
    """A log-log roofline figure: the roof from `peaks`, one marker per KernelPoint (kernel shape, library colour)."""
    import matplotlib.pyplot as plt

    points = list(kernels)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 5))
    else:
        fig = ax.figure
    lo = min([p.intensity for p in points] + [peaks.ridge]) / 4
    hi = max([p.intensity for p in points] + [peaks.ridge]) * 4
    x = np.geomspace(lo, hi, 200)
    ax.loglog(x, peaks.attainable(x), "k-", lw=2, label=f"roof: {peaks.gflops:.0f} GFLOP/s, {peaks.gbps:.0f} GB/s")
    ax.axvline(peaks.ridge, color="grey", ls=":", lw=1)
    ax.text(peaks.ridge, peaks.gflops * 1.15, f"ridge {peaks.ridge:.1f}", ha="center", fontsize=8)
    for p in points:
        ax.errorbar(p.intensity, p.gflops, yerr=p.gflops_error, fmt=MARKERS.get(p.cost.kernel, "o"),
                    color=COLORS.get(p.library, "k"), ms=7, alpha=0.85)
    for kernel in dict.fromkeys(p.cost.kernel for p in points):
        ax.plot([], [], MARKERS.get(kernel, "o"), color="grey", label=kernel)
    for library in dict.fromkeys(p.library for p in points):
        ax.plot([], [], "s", color=COLORS.get(library, "k"), label=library)
    ax.set_xlabel("arithmetic intensity (FLOP / byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(title or f"Roofline, {peaks.threads} thread(s)")
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    return fig
