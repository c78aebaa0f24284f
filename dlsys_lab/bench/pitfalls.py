"""Benchmarking pitfalls, each demonstrated by measurement: the wrong number next to the right one.

Every function measures on this machine and returns a Pitfall. Settings that must not change in this process
(BLAS core type, thread pools) are changed only in subprocesses.
"""
from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

from dlsys_lab.bench.timing import measure


@dataclass(frozen=True)
class Pitfall:
    """A pitfall's wrong and right measurement, in the same unit, and what it teaches."""

    name: str
    wrong_label: str
    wrong: float
    right_label: str
    right: float
    unit: str
    lesson: str

    @property
    def factor(self) -> float:
        """wrong / right."""
        return self.wrong / self.right if self.right else float("inf")


def _once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def no_warmup(n: int = 256) -> Pitfall:
    """The first call of a jax.jit function (tracing + XLA compilation) against the median of warm calls."""
    import jax
    import jax.numpy as jnp

    x = jnp.ones((n, n))
    f = jax.jit(lambda a: jnp.tanh(a @ a).sum())
    first = _once(lambda: f(x).block_until_ready())
    warm = measure(lambda: f(x), warmup=2, repeat=7, sync=jax.block_until_ready).median
    return Pitfall("no warm-up", "first call", first * 1e3, "median after warm-up", warm * 1e3, "ms",
                   "the first call compiles (and fills caches): warm up, and report compile time separately")


def jax_async(n: int = 512) -> Pitfall:
    """A jitted matmul timed without block_until_ready (only the dispatch) against timed to completion."""
    import jax
    import jax.numpy as jnp

    x = jnp.ones((n, n))
    f = jax.jit(lambda a: a @ a @ a)
    f(x).block_until_ready()
    unsynced = measure(lambda: f(x), warmup=2, repeat=7, number=1).median
    synced = measure(lambda: f(x), warmup=2, repeat=7, number=1, sync=jax.block_until_ready).median
    return Pitfall("JAX without block_until_ready", "no sync", unsynced * 1e3, "block_until_ready",
                   synced * 1e3, "ms", "JAX returns before the work is done: block on the result inside the timer")


def cuda_sync(n: int = 4096) -> Pitfall | None:
    """On a GPU: a matmul timed without torch.cuda.synchronize against with it; None without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return None
    a = torch.ones(n, n, device="cuda")
    unsynced = measure(lambda: a @ a, warmup=2, repeat=7, number=1).median
    synced = measure(lambda: a @ a, warmup=2, repeat=7, number=1, sync=lambda _: torch.cuda.synchronize()).median
    return Pitfall("CUDA without synchronize", "no sync", unsynced * 1e3, "synchronize", synced * 1e3, "ms",
                   "kernel launches are asynchronous: synchronize before reading the clock")


_MATMUL_JOB = ("import os, time, torch; torch.set_num_threads(int(os.environ['JOB_THREADS'])); "
               "a = torch.rand(384, 384); [a @ a for _ in range(5)]; t = time.perf_counter(); "
               "[a @ a for _ in range({reps})]; print(time.perf_counter() - t)")


def _concurrent_jobs(threads_each: int, jobs: int, reps: int) -> float:
    """Wall seconds until `jobs` concurrent torch matmul processes with `threads_each` threads all finish."""
    env = dict(os.environ, JOB_THREADS=str(threads_each), OMP_NUM_THREADS=str(threads_each))
    procs = [subprocess.Popen([sys.executable, "-c", _MATMUL_JOB.format(reps=reps)], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(jobs)]
    return max(float(p.communicate()[0]) for p in procs)


def oversubscription(reps: int = 200) -> Pitfall:
    """Two processes each taking every core against each taking its share (in subprocesses)."""
    cores = os.cpu_count() or 1
    greedy = _concurrent_jobs(cores, 2, reps)
    fair = _concurrent_jobs(max(cores // 2, 1), 2, reps)
    return Pitfall("thread oversubscription", f"2 jobs x {cores} threads", greedy, f"2 jobs x {max(cores // 2, 1)}",
                   fair, "s", "two frameworks (or jobs) that each take all cores fight over them: split the cores")


def _make_garbage(n: int = 2000):
    nodes = [{} for _ in range(n)]
    for a, b in zip(nodes, nodes[1:] + nodes[:1]):
        a["next"] = b  # a cycle: only the garbage collector frees it
    return len(nodes)


def gc_in_loop(repeat: int = 60) -> Pitfall:
    """Slowest/median ratio of a function making cyclic garbage, GC running inside the timed loop vs paused."""
    def spread(enabled: bool) -> float:
        samples = []
        for _ in range(repeat):
            gc.collect()
            if not enabled:
                gc.disable()
            try:
                samples.append(_once(_make_garbage))
            finally:
                gc.enable()
        return max(samples) / statistics.median(samples)
    return Pitfall("GC inside the timed loop", "GC on: slowest / median", spread(True), "GC paused: slowest / median",
                   spread(False), "x", "collections land in some samples: collect before timing, pause it inside "
                   "(timeit does), or report medians that ignore the spikes")


def _blas_gflops(env: dict) -> float:
    code = ("import time, numpy as np\na = np.random.rand(1024, 1024).astype(np.float32)\na @ a\nbest = 1e9\n"
            "for _ in range(5):\n    t = time.perf_counter(); a @ a; best = min(best, time.perf_counter() - t)\n"
            "print(2 * 1024**3 / best / 1e9)")
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout)


def openblas_coretype() -> Pitfall:
    """NumPy float32 matmul GFLOP/s with OPENBLAS_CORETYPE as configured vs unset, both in subprocesses."""
    configured = os.environ.get("OPENBLAS_CORETYPE")
    unset = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    forced = configured or "Haswell"
    with_var = _blas_gflops(dict(unset, OPENBLAS_CORETYPE=forced))
    without = _blas_gflops(unset)
    return Pitfall("OpenBLAS core type", f"OPENBLAS_CORETYPE={forced}", with_var, "unset (auto-detected)", without,
                   "GFLOP/s", f"one environment variable picks other kernels (configured here: {configured}); "
                   "say which you used")


def one_run_vs_median(repeat: int = 31, n: int = 200_000) -> Pitfall:
    """The worst single run of a sort against the median of all runs (every run is a valid 'one run')."""
    x = np.random.default_rng(0).random(n)
    samples = measure(lambda: np.sort(x), warmup=2, repeat=repeat, number=1).samples
    return Pitfall("one run vs the median", "slowest single run", max(samples) * 1e3, f"median of {repeat}",
                   statistics.median(samples) * 1e3, "ms", "one run can land anywhere in the spread: repeat and "
                   "report the median with its IQR")


_HOG = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"


def busy_machine(seconds: float = 4.0, n: int = 256) -> Pitfall:
    """The median of a matmul on this machine as it is, and with one busy-loop process per core running."""
    import torch

    a = torch.rand(n, n)
    quiet = measure(lambda: a @ a, warmup=2, repeat=9).median
    hogs = [subprocess.Popen([sys.executable, "-c", _HOG.format(seconds=seconds)]) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.3)
        busy = measure(lambda: a @ a, warmup=1, repeat=9).median
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return Pitfall("busy machine", "with busy neighbours", busy * 1e6, "as the machine is", quiet * 1e6, "us",
                   f"other work steals cores (load average now {os.getloadavg()[0]:.1f}): interleave the "
                   "variants you compare, record the load, compare ratios measured in one run")


def all_pitfalls(fast: bool = False) -> list[Pitfall]:
    """Every pitfall measured here (CUDA only where a GPU is present); smaller sizes when fast."""
    results = [no_warmup(128 if fast else 256), jax_async(256 if fast else 512),
               oversubscription(20 if fast else 200), gc_in_loop(20 if fast else 60), openblas_coretype(),
               one_run_vs_median(11 if fast else 31), busy_machine(2.0 if fast else 4.0)]
    cuda = cuda_sync()
    return results + ([cuda] if cuda else [])


def table(pitfalls) -> str:
    """Wrong and right numbers side by side."""
    lines = [f"{'pitfall':<30} {'wrong':>30} {'right':>30}  factor"]
    for p in pitfalls:
        lines.append(f"{p.name:<30} {p.wrong_label + f' {p.wrong:.3g} ' + p.unit:>30} "
                     f"{p.right_label + f' {p.right:.3g} ' + p.unit:>30}  {p.factor:.2f}")
    return "\n".join(lines)
