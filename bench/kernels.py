"""Our kernels against NumPy (OpenBLAS) and torch, as ratios measured in one run (medians).

Matmul GFLOP/s of every optimization step, add and sum in GB/s on 64 MB, GPU matmul up to 4096, build times.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import dlsys_lab.nd as nd


def median_seconds(fn, repeats: int) -> float:
    """The median wall time of fn() over `repeats` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_table(sizes, quick: bool):
    """GFLOP/s of NumPy, torch and each cpu step at each size, with ratios to NumPy."""
    cpu = nd.device("cpu").backend
    rng = np.random.default_rng(0)
    print(f"\nfloat32 matmul, GFLOP/s (ratio to NumPy) -- {cpu.ext.num_threads()} OpenMP threads, "
          f"torch {torch.get_num_threads()} threads")
    for n in sizes:
        a, b = rng.standard_normal((n, n)).astype("float32"), rng.standard_normal((n, n)).astype("float32")
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        da, db = cpu.from_numpy(a), cpu.from_numpy(b)
        flops = 2.0 * n ** 3
        repeats = 3 if n >= 2048 or quick else 7
        rates = {"numpy": flops / median_seconds(lambda: a @ b, repeats) / 1e9,
                 "torch": flops / median_seconds(lambda: ta @ tb, repeats) / 1e9}
        for step in ("naive", "tiled", "simd", "parallel"):
            if step == "naive" and n > 1024 or step in ("naive", "tiled") and n > 1024 and quick:
                continue  # minutes at this size; the smaller sizes show the step
            reps = 1 if step in ("naive", "tiled") and n >= 1024 else repeats
            rates[step] = flops / median_seconds(lambda s=step: cpu.matmul(da, db, step=s), reps) / 1e9
        rates["default"] = flops / median_seconds(lambda: cpu.matmul(da, db), repeats) / 1e9
        cells = "  ".join(f"{name} {rate:7.1f} ({rate / rates['numpy']:.2f})" for name, rate in rates.items())
        print(f"  n={n:5d}  {cells}")


def bandwidth_table(megabytes: int):
    """GB/s of elementwise add (2 reads, 1 write) and of a full sum (1 read) against NumPy."""
    cpu = nd.device("cpu").backend
    n = megabytes * (1 << 20) // 4
    x = np.random.default_rng(0).standard_normal(n).astype("float32")
    y = x[::-1].copy()
    dx, dy = cpu.from_numpy(x), cpu.from_numpy(y)
    print(f"\nfloat32 on {megabytes} MB arrays, GB/s (ratio to NumPy)")
    for name, bytes_moved, ours, theirs in [
        ("add", 3 * x.nbytes, lambda: cpu.add(dx, dy), lambda: np.add(x, y)),
        ("sum", x.nbytes, lambda: cpu.sum(dx, (0,), False), lambda: np.sum(x)),
    ]:
        mine, ref = (bytes_moved / median_seconds(f, 7) / 1e9 for f in (ours, theirs))
        print(f"  {name}: cpu {mine:6.1f}  numpy {ref:6.1f}  ratio {mine / ref:.2f}")


def gpu_median_seconds(fn, repeats: int = 20) -> float:
    """The median GPU time of fn() by CUDA events, after two warm-up runs."""
    fn(), fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def gpu_table(sizes=(1024, 2048, 4096)):
    """float32 matmul of each cuda step against torch.matmul (cuBLAS, IEEE float32), when a GPU is usable."""
    device = nd.device("cuda")
    if not device.available():
        print(f"\ncuda: skipped ({device.status()})")
        return
    gpu = device.backend
    tf32 = torch.backends.cuda.matmul.allow_tf32
    print(f"\ncuda float32 matmul on {torch.cuda.get_device_name()}, GFLOP/s (ratio to torch.matmul, "
          f"{'TF32 allowed' if tf32 else 'IEEE float32, TF32 off'}); medians of 20 timed by CUDA events")
    for n in sizes:
        x, y = (torch.randn(n, n, device="cuda") for _ in range(2))
        dx, dy = gpu.from_numpy(x.cpu().numpy()), gpu.from_numpy(y.cpu().numpy())
        exact = (x.double() @ y.double())
        flops = 2.0 * n ** 3
        cublas = flops / gpu_median_seconds(lambda: x @ y) / 1e9
        cells = [f"torch {cublas:8.0f}"]
        for step in gpu.ext.MATMUL_STEPS:
            if step == "naive" and n > 2048:
                continue  # seconds per product; the smaller sizes show the step
            seconds = gpu_median_seconds(lambda s=step: gpu.matmul(dx, dy, step=s), 5 if step == "naive" else 20)
            rate = flops / seconds / 1e9
            got = torch.from_numpy(gpu.to_numpy(gpu.matmul(dx, dy, step=step))).cuda().double()
            error = ((got - exact).norm() / exact.norm()).item()
            cells.append(f"{step} {rate:8.0f} ({rate / cublas:.2f}, rel. error {error:.0e})")
        print(f"  n={n:5d}  " + "  ".join(cells))


def build_times():
    """The recorded first build time, and the time a fresh process takes to import the cached build."""
    from dlsys_lab.kernels import build

    info = build.build_info("cpu")
    code = ("import time, torch; t = time.perf_counter(); from dlsys_lab.kernels.build import build; "
            "build('cpu'); print(time.perf_counter() - t)")
    seconds = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3)]
    print(f"\nbuild: first build {info['build_seconds']} s (recorded at build time); "
          f"cached import {statistics.median(seconds):.2f} s (median of 3 fresh processes, after torch is imported)")


def main(argv=None) -> int:
    """Print every table; --quick shrinks the sizes for a smoke run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--sizes", type=int, nargs="+", help="matmul sizes (default 256 1024 2048)")
    parser.add_argument("--gpu", action="store_true", help="only the GPU table (1024, 2048, 4096)")
    args = parser.parse_args(argv)
    if args.gpu:
        gpu_table()
        return 0
    print(f"BLAS: numpy {np.__version__}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
          f"torch {torch.__version__}; {os.cpu_count()} CPUs")
    matmul_table(args.sizes or ((128, 256) if args.quick else (256, 1024, 2048)), args.quick)
    bandwidth_table(4 if args.quick else 64)
    gpu_table()
    build_times()
    return 0


if __name__ == "__main__":
    sys.exit(main())
