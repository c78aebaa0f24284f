"""Serving the digits MLP over HTTP: throughput and p99 latency with max-batch 1 vs 32 at the same offered load,
for both runtimes (dlsys on the cpu device, onnxruntime), measured in one run.

Each configuration gets its own server (python -m dlsys_lab.serve on a free loopback port, one forward thread),
all four started and warmed up first; then --rounds rounds each offer every server in turn the same open-loop
Poisson load from dlsys_lab.serve.load (in this process) for --duration seconds, so that whatever else the
machine does falls on all configurations alike. The server and the load generator share this machine's cores,
as they would on one host. The offered rate is above what either configuration serves (saturation: arrivals
that find --concurrency requests in flight are dropped, and counted). Each row shows medians over the rounds,
[min, max] for throughput and p99, and the CPU time per answered request of the server and of the load
generator (Linux: from /proc), which says where the time went even when other work shares the machine; the
ratios are medians of the per-round ratios.
Usage: python bench/serving.py [--rate 50000] [--duration 4] [--rounds 3] [--concurrency 64] [--max-wait-ms 2]
[--width 256]
"""
from __future__ import annotations

import argparse
import contextlib
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
from dlsys_lab.serve.load import LoadReport, run_load  # noqa: E402
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


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of process `pid` (Linux), or of this process; NaN where it cannot be read."""
    if pid is None:
        return sum(os.times()[:2])
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: ServerProcess, args, inputs: np.ndarray) -> tuple[LoadReport, float, float]:
    """One round of load on a server: the load report, and the microseconds of CPU per answered request of the
    server and of this process (the load generator)."""
    server_cpu, client_cpu = cpu_seconds(server.process.pid), cpu_seconds()
    report = run_load(server.url, inputs, rate=args.rate, duration_s=args.duration, concurrency=args.concurrency,
                      seed=1)
    per_request = 1e6 / max(report.ok, 1)
    return (report, (cpu_seconds(server.process.pid) - server_cpu) * per_request,
            (cpu_seconds() - client_cpu) * per_request)


def spread(values) -> str:
    """Median [min, max]."""
    return f"{np.median(values):8.1f} [{min(values):.1f}, {max(values):.1f}]"


def main(argv=None) -> None:
    """Run every configuration and print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50000.0, help="offered requests per second (open "
                        "loop), well above what either configuration serves: a slot freed in flight is taken at once")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds of load per configuration and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--width", type=int, default=256, help="hidden width (256: the digits MLP; 2048: a model "
                        "whose forward pass costs more than the HTTP request around it)")
    args = parser.parse_args(argv)
    inputs = np.random.default_rng(0).uniform(0, 1, (1024, 64)).astype(np.float32)
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; offered {args.rate:g} req/s, "
          f"{args.rounds} rounds of {args.duration:g} s per configuration, at most {args.concurrency} in flight, "
          f"max-wait {args.max_wait_ms:g} ms, 1 row a request, MLP 64-{args.width}-{args.width}-10")
    configs = [(runtime, max_batch) for runtime in ("dlsys", "onnxruntime") for max_batch in (1, 32)]
    rounds: dict = {config: [] for config in configs}
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as servers:
        model = export_mlp(Path(folder), args.width)
        for runtime in ("dlsys", "onnxruntime"):
            one, many = (forward_ms(model, runtime, batch, inputs) for batch in (1, 32))
            print(f"forward pass in-process, {runtime}: batch 1 {one:.3f} ms, batch 32 {many:.3f} ms "
                  f"({many / 32:.4f} ms a row)")
        started = {(runtime, max_batch): servers.enter_context(ServerProcess(
            model, runtime=runtime, max_batch=max_batch, max_wait_ms=args.max_wait_ms,
            max_queue=4 * args.concurrency)) for runtime, max_batch in configs}
        for server in started.values():  # warm-up
            run_load(server.url, inputs, mode="closed", concurrency=8, duration_s=1.0)
        for _ in range(args.rounds):
            for config in configs:
                rounds[config].append(measure(started[config], args, inputs))
    print(f"{'runtime':12} {'max-batch':>9} {'req/s [min, max]':>27} {'p99 ms [min, max]':>24} {'batch':>6} "
          f"{'503':>5} {'dropped':>8} {'server us/req':>13} {'client us/req':>13}")
    for runtime, max_batch in configs:
        measured = rounds[runtime, max_batch]
        reports = [r for r, _, _ in measured]
        print(f"{runtime:12} {max_batch:>9} {spread([r.throughput_rps for r in reports]):>27} "
              f"{spread([r.latency_ms['p99'] for r in reports]):>24} "
              f"{np.median([r.mean_batch_size for r in reports]):>6.2f} "
              f"{sum(r.statuses.get('503', 0) for r in reports):>5} "
              f"{int(np.median([r.dropped for r in reports])):>8} {np.median([s for _, s, _ in measured]):>13.0f} "
              f"{np.median([c for _, _, c in measured]):>13.0f}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")

    def ratios(a, b, key):
        return [key(x[0]) / key(y[0]) for x, y in zip(rounds[a], rounds[b])]

    throughput, p99 = (lambda r: r.throughput_rps), (lambda r: r.latency_ms["p99"])
    for runtime in ("dlsys", "onnxruntime"):
        t, p = ratios((runtime, 32), (runtime, 1), throughput), ratios((runtime, 32), (runtime, 1), p99)
        print(f"{runtime}: max-batch 32 / 1: throughput x{np.median(t):.2f} [{min(t):.2f}, {max(t):.2f}], "
              f"p99 x{np.median(p):.2f} [{min(p):.2f}, {max(p):.2f}] (goal: throughput >= 3, p99 <= 1)")
    for max_batch in (1, 32):
        t = ratios(("onnxruntime", max_batch), ("dlsys", max_batch), throughput)
        print(f"max-batch {max_batch}: onnxruntime / dlsys throughput x{np.median(t):.2f} [{min(t):.2f}, {max(t):.2f}]")


if __name__ == "__main__":
    main()
