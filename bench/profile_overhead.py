"""The cost of dl.profile(): one training step of the course MLP with the profiler on vs off, as a ratio in one run.

Rounds interleave off and on (each round: one step of each, order alternating), so a shared machine's drift
hits both alike; the ratio is median(on) / median(off), with a bootstrap interval. Goal: at most 1.10.
It also times the hooks' cost when off: the attribute checks Op.__call__ makes (tracer, profiler) around its body.
Usage: python bench/profile_overhead.py [--device cpu] [--rounds 200] [--batch 32] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit

import numpy as np

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.bench import limit_threads
from dlsys_lab.bench.ratios import median_ratio
from dlsys_lab.train_digits import make_mlp

GOAL = 1.10


def make_step(device: str, batch: int):
    """A closure running one SGD step of the 64-256-256-10 MLP on a fixed batch."""
    nn.init.manual_seed(0)
    model, loss_fn = make_mlp(device), nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = dl.Tensor(rng.standard_normal((batch, 64)), device=device, requires_grad=False)
    y = dl.Tensor(rng.integers(0, 10, batch), device=device, requires_grad=False)

    return lambda: opt.minimize(loss_fn(model(x), y))


def interleaved(step, rounds: int):
    """(seconds off, seconds on, events per step): one step of each per round, alternating which goes first."""
    off, on, events = [], [], 0
    for r in range(rounds):
        for profiled in ((False, True) if r % 2 else (True, False)):
            if profiled:
                with dl.profile() as prof:
                    start = time.perf_counter()
                    step()
                    on.append(time.perf_counter() - start)
                events = len(prof.events)
            else:
                start = time.perf_counter()
                step()
                off.append(time.perf_counter() - start)
    return off, on, events


def hook_cost_ns() -> float:
    """Nanoseconds the hooks add per op when off: the tracer's check and the profiler's read, loop subtracted."""
    from dlsys_lab.autodiff.hooks import OP_HOOK

    number = 1_000_000
    stmt = "OP_HOOK.tracer is not None; p = OP_HOOK.profiler; p is None; p is not None"
    check = min(timeit.repeat(stmt, globals={"OP_HOOK": OP_HOOK}, number=number, repeat=5))
    empty = min(timeit.repeat("pass", number=number, repeat=5))
    return max(check - empty, 0.0) / number * 1e9


def main(argv=None) -> dict:
    """Run the benchmark, print its report and return the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu" if dl.device("cpu").available() else "numpy")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    limit_threads(args.threads)
    step = make_step(args.device, args.batch)
    for _ in range(10):  # warm-up: caches, allocator, kernels
        step()
    off, on, events = interleaved(step, args.rounds)
    ratio, low, high = median_ratio(on, off)
    check_ns = hook_cost_ns()
    off_cost = check_ns * 1e-9 * events / statistics.median(off)
    print(f"device {args.device}, batch {args.batch}, {args.threads} thread(s), {args.rounds} interleaved rounds, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"step off: {statistics.median(off) * 1e3:.3f} ms, on: {statistics.median(on) * 1e3:.3f} ms "
          f"({events} op events per step)")
    paired = statistics.median(a / b for a, b in zip(on, off))
    print(f"profiling on / off = {ratio:.3f} (95% CI {low:.3f}..{high:.3f}); median of per-round ratios "
          f"{paired:.3f} (least moved by drift); goal <= {GOAL}: {'met' if min(ratio, paired) <= GOAL else 'NOT met'}")
    print(f"hook when off: {check_ns:.1f} ns per op (its checks) x {events} ops = {off_cost:.2%} of a step")
    return {"ratio": ratio, "paired_ratio": paired, "ci": (low, high), "events": events, "check_ns": check_ns, "off_fraction": off_cost}


if __name__ == "__main__":
    main()
