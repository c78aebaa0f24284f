"""Serving the digits MLP over HTTP: throughput and p99 latency with max-batch 1 vs 32 at the same offered load,
for both runtimes (dlsys on the cpu device, onnxruntime), measured in one run.

Each configuration gets a fresh server (python -m dlsys_lab.serve on a free loopback port, one forward thread)
and the same open-loop Poisson load from dlsys_lab.serve.load in this process, after a short warm-up. The server
and the load generator share this machine's cores, as they would on one host.
Usage: python bench/serving.py [--rate 3000] [--duration 8] [--concurrency 64] [--max-wait-ms 2] [--width 256]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"  # one thread in this process too, set before torch loads OpenMP
# bench/ holds a file named onnx.py: drop this folder from the path so that `import onnx` finds the real package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

import dlsys_lab as dl  # noqa: E402
from dlsys_lab.bench import timing  # noqa: E402
from dlsys_lab.serve import ServerProcess, load_runtime  # noqa: E402
from dlsys_lab.serve.load import run_load  # noqa: E402
from dlsys_lab.train_digits import make_mlp  # noqa: E402


def export_mlp(folder: Path, width: int) -> Path:
    """The course's digits MLP (64-256-256-10; other hidden widths on request), seeded initial weights, as ONNX."""
    dl.nn.init.manual_seed(0)
    nn = dl.nn
    model = make_mlp() if width == 256 else nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width),
                                                           nn.ReLU(), nn.Linear(width, 10))
    path = folder / f"digits_mlp_{width}.onnx"
    dl.export.to_onnx(model.eval(), dl.Tensor(np.zeros((1, 64), np.float32)), path)
    return path


def forward_ms(model: Path, runtime: str, batch: int, inputs: np.ndarray, repeat: int = 200) -> float:
    """Median time of one forward pass in this process, on one thread (what batching can save per request)."""
    run, x = load_runtime(model, runtime, threads=1).run, inputs[:batch]
    return 1000 * timing.measure(lambda: run(x), warmup=1, repeat=repeat, number=1).median


def measure(model: Path, runtime: str, max_batch: int, args, inputs: np.ndarray):
    """One server, warmed up, then the measured load; the load report."""
    with ServerProcess(model, runtime=runtime, max_batch=max_batch, max_wait_ms=args.max_wait_ms,
                       max_queue=4 * args.concurrency) as server:
        run_load(server.url, inputs, mode="closed", concurrency=8, duration_s=1.0)
        return run_load(server.url, inputs, rate=args.rate, duration_s=args.duration, concurrency=args.concurrency,
                        seed=1)


def main(argv=None) -> None:
    """Run every configuration and print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=3000.0, help="offered requests per second (open loop)")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--width", type=int, default=256, help="hidden width (256: the digits MLP; 2048: a model "
                        "whose forward pass costs more than the HTTP request around it)")
    args = parser.parse_args(argv)
    inputs = np.random.default_rng(0).uniform(0, 1, (1024, 64)).astype(np.float32)
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; offered {args.rate:g} req/s for "
          f"{args.duration:g} s, at most {args.concurrency} in flight, max-wait {args.max_wait_ms:g} ms, "
          f"1 row a request, MLP 64-{args.width}-{args.width}-10")
    header = (f"{'runtime':12} {'max-batch':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'batch':>6} {'503':>5} "
              f"{'dropped':>8}")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        model = export_mlp(Path(folder), args.width)
        for runtime in ("dlsys", "onnxruntime"):
            one, many = (forward_ms(model, runtime, batch, inputs) for batch in (1, 32))
            print(f"forward pass in-process, {runtime}: batch 1 {one:.3f} ms, batch 32 {many:.3f} ms "
                  f"({many / 32:.4f} ms a row)")
        print(header)
        for runtime in ("dlsys", "onnxruntime"):
            for max_batch in (1, 32):
                r = results[runtime, max_batch] = measure(model, runtime, max_batch, args, inputs)
                print(f"{runtime:12} {max_batch:>9} {r.throughput_rps:>8.1f} {r.latency_ms['p50']:>8.2f} "
                      f"{r.latency_ms['p99']:>8.2f} {r.mean_batch_size:>6.2f} {r.statuses.get('503', 0):>5} "
                      f"{r.dropped:>8}", flush=True)
    for runtime in ("dlsys", "onnxruntime"):
        one, many = results[runtime, 1], results[runtime, 32]
        print(f"{runtime}: max-batch 32 / 1: throughput x{many.throughput_rps / one.throughput_rps:.2f}, "
              f"p99 x{many.latency_ms['p99'] / one.latency_ms['p99']:.2f} (goal: throughput >= 3, p99 <= 1)")
    for max_batch in (1, 32):
        ratio = results["onnxruntime", max_batch].throughput_rps / results["dlsys", max_batch].throughput_rps
        print(f"max-batch {max_batch}: onnxruntime / dlsys throughput x{ratio:.2f}")


if __name__ == "__main__":
    main()
