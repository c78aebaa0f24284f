"""A discrete-event simulation of dynamic batching: Poisson arrivals, the batcher's policy (plan.plan_batches)
and a model whose forward pass costs fixed_ms + per_row_ms * rows. It shows the latency/throughput trade-off of
max_batch and max_wait without a server: batching amortises the fixed cost, waiting for a batch costs latency.

With max_batch = 1 it is an M/D/1 queue, whose mean wait is rho * D / (2 (1 - rho)) for load rho = rate * D.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan import check_requests, plan_batches


@dataclass(frozen=True)
class Simulation:
    """What one simulated run measured (times in ms)."""

    rate_per_s: float
    max_batch: int
    max_wait_ms: float
    latency_ms: np.ndarray      # per request: answer time - arrival time
    wait_ms: np.ndarray         # per request: dispatch time - arrival time
    batch_sizes: np.ndarray     # rows of each batch
    dispatch_ms: np.ndarray     # each batch's dispatch time
    throughput_per_s: float     # requests answered per second of simulated time
    utilization: float          # fraction of the time the model computed

    def percentile(self, q: float) -> float:
        """The q-th percentile of the latency in ms."""
        return float(np.percentile(self.latency_ms, q))

    def summary(self) -> str:
        """One line for people."""
        return (f"rate {self.rate_per_s:g}/s, max_batch {self.max_batch}, max_wait {self.max_wait_ms:g} ms: "
                f"throughput {self.throughput_per_s:.1f}/s, latency p50 {self.percentile(50):.2f} ms "
                f"p99 {self.percentile(99):.2f} ms, mean batch {self.batch_sizes.mean():.2f}, "
                f"model busy {self.utilization:.0%}")


def poisson_arrivals(rate_per_s: float, count: int, seed: int = 0) -> np.ndarray:
    """count sorted arrival times in ms of a Poisson process of rate_per_s requests a second."""
    if rate_per_s <= 0 or count < 1:
        raise ValueError(f"need rate_per_s > 0 and count >= 1, got {rate_per_s} and {count}")
    return np.cumsum(np.random.default_rng(seed).exponential(1000.0 / rate_per_s, count))


def simulate(rate_per_s: float, max_batch: int, max_wait_ms: float, fixed_ms: float = 2.0, per_row_ms: float = 0.1,
             count: int = 5000, seed: int = 0, arrivals_ms=None, sizes=None) -> Simulation:
    """Simulate count one-row requests arriving as a Poisson process (or the given arrivals_ms and sizes) through
    the dynamic batcher in front of a model costing fixed_ms + per_row_ms * rows a batch."""
    if fixed_ms < 0 or per_row_ms < 0 or fixed_ms + per_row_ms <= 0:
        raise ValueError(f"need fixed_ms, per_row_ms >= 0 and a positive cost, got {fixed_ms} and {per_row_ms}")
    arrivals = poisson_arrivals(rate_per_s, count, seed) if arrivals_ms is None else np.asarray(arrivals_ms, float)
    sizes = [1] * len(arrivals) if sizes is None else [int(s) for s in sizes]
    check_requests(arrivals, sizes, max_batch, max_wait_ms)

    def service(rows):
        return fixed_ms + per_row_ms * rows

    batches = plan_batches(arrivals.tolist(), sizes, max_batch, max_wait_ms, fixed_ms, per_row_ms)
    dispatch = np.empty(len(arrivals))
    done = np.empty(len(arrivals))
    rows_of = np.empty(len(batches), int)
    for b, (start, members) in enumerate(batches):
        rows_of[b] = sum(sizes[i] for i in members)
        dispatch[members] = start
        done[members] = start + service(rows_of[b])
    span = max(done.max() - arrivals[0], 1e-9)
    busy = sum(service(r) for r in rows_of)
    return Simulation(rate_per_s, max_batch, max_wait_ms, done - arrivals, dispatch - arrivals, rows_of,
                      np.array([start for start, _ in batches]), len(arrivals) * 1000.0 / span, busy / span)


def md1_mean_wait_ms(rate_per_s: float, service_ms: float) -> float:
    """The M/D/1 queue's mean wait before service (Pollaczek-Khinchine) in ms; inf when the load is >= 1."""
    rho = rate_per_s * service_ms / 1000.0
    return float("inf") if rho >= 1 else rho * service_ms / (2 * (1 - rho))


def sweep(rates_per_s, max_batch: int, max_wait_ms: float, **options) -> list[Simulation]:
    """simulate at each arrival rate (the latency-throughput curve of one setting)."""
    return [simulate(rate, max_batch, max_wait_ms, **options) for rate in rates_per_s]
