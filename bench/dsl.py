"""The DSL's matmul schedules against week 5's hand-written kernel steps, as speedups over each one's naive step,
measured in one run (samples interleaved, so machine load falls on all alike).

Each DSL step adds one schedule primitive (interchange, tile, vectorize, parallel) to the same compute; week 5's
steps (dlsys_lab/kernels/cpu/matmul.cpp) are naive, tiled, simd (packing + a register-blocked micro-kernel) and
parallel. The same schedules in Apache TVM (dlsys_lab/dsl/tvm_twin.py, in .venv-tvm from `make tvm`) run after, in
a process of their own, so their ratios are to TVM's own naive step. Usage: python bench/dsl.py [--n 512] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import dlsys_lab.nd as nd
from dlsys_lab import dsl
from dlsys_lab.dsl.tvm_twin import run_twin


def main(argv=None) -> int:
    """Print GFLOP/s and speedups over naive of every DSL schedule and every week-5 step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    n = args.n
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(np.float32), rng.standard_normal((n, n)).astype(np.float32)
    start = time.perf_counter()
    kernels = dsl.build({step: dsl.matmul_schedule(step) for step in dsl.STEPS})
    build_s = time.perf_counter() - start
    cpu = nd.device("cpu").backend
    da, db = cpu.from_numpy(a), cpu.from_numpy(b)
    candidates = {f"dsl {step}": (lambda k=kernel: k(a, b)) for step, kernel in kernels.items()}
    candidates.update({f"week5 {step}": (lambda s=step: cpu.matmul(da, db, step=s))
                       for step in ("naive", "tiled", "simd", "parallel")})
    for name, fn in candidates.items():
        np.testing.assert_allclose(np.asarray(fn() if name.startswith("dsl") else cpu.to_numpy(fn())), a @ b,
                                   rtol=1e-3, atol=1e-3, err_msg=name)
    samples = {name: [] for name in candidates}
    for _ in range(args.repeat):
        for name, fn in candidates.items():
            begin = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - begin)
    seconds = {name: statistics.median(times) for name, times in samples.items()}
    threads = os.environ.get("OMP_NUM_THREADS", "(unset)")
    print(f"float32 matmul n={n}, {os.cpu_count()} cores, OMP_NUM_THREADS={threads}, "
          f"{args.repeat} interleaved samples, medians; DSL build {build_s:.1f} s (cached after the first)")
    print(f"{'kernel':18s} {'GFLOP/s':>8s} {'x naive':>8s}")
    for name, s in seconds.items():
        naive = seconds["dsl naive" if name.startswith("dsl") else "week5 naive"]
        print(f"{name:18s} {2 * n ** 3 / s / 1e9:8.1f} {naive / s:8.1f}")
    print(f"dsl tiled / week5 tiled time ratio: {seconds['dsl tiled'] / seconds['week5 tiled']:.2f}")
    try:
        twin = run_twin(n, repeat=args.repeat)
    except FileNotFoundError as err:
        print(f"Apache TVM: not run ({err})")
        return 0
    naive = next(row["gflops"] for row in twin if row["step"] == "naive")
    for row in twin:
        print(f"{'tvm ' + row['step']:18s} {row['gflops']:8.1f} {row['gflops'] / naive:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
