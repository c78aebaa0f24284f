"""The alpha-beta (latency-bandwidth) cost model: fit it to ping-pong times, predict ring and tree all-reduce.

A message of n bytes costs alpha + n * beta. The predictions ignore the time spent adding (it is small next to
beta on a network, not always on loopback) and assume every link is free when used.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass(frozen=True)
class AlphaBeta:
    """Latency alpha (seconds per message) and inverse bandwidth beta (seconds per byte)."""
    alpha: float
    beta: float

    def message_seconds(self, nbytes):
        """Predicted one-way time of a message of nbytes (a number or an array)."""
        return self.alpha + np.asarray(nbytes, dtype=float) * self.beta

    @property
    def bandwidth(self) -> float:
        """Bytes per second, 1 / beta."""
        return 1.0 / self.beta


def fit_alpha_beta(nbytes, seconds) -> tuple[AlphaBeta, np.ndarray]:
    """Least-squares fit of seconds = alpha + nbytes * beta >= 0, weighted by 1/seconds (relative errors).

    Returns the model and the relative residuals (measured / predicted - 1). Unweighted least squares would let
    the 64 MB points decide alpha, which is microseconds next to their milliseconds. On a loaded machine the
    times can be too noisy to separate the two: a zero alpha or beta says so.
    """
    n, t = np.asarray(nbytes, dtype=float), np.asarray(seconds, dtype=float)
    if n.shape != t.shape or n.ndim != 1:
        raise ValueError(f"nbytes and seconds must be 1-D of one length, got shapes {n.shape} and {t.shape}")
    if len(np.unique(n)) < 2:
        raise ValueError("need at least two different message sizes to separate latency from bandwidth")
    if (t <= 0).any():
        raise ValueError("seconds must be positive")
    from scipy.optimize import nnls

    design = np.stack([np.ones_like(n), n / n.max()], axis=1) / t[:, None]  # columns scaled to similar sizes
    (alpha, beta), _ = nnls(design, np.ones_like(t))  # neither a latency nor a byte's time can be negative
    beta /= n.max()
    model = AlphaBeta(float(alpha), float(beta))
    return model, t / model.message_seconds(n) - 1


def ring_all_reduce_seconds(model: AlphaBeta, nbytes: float, world_size: int) -> float:
    """Ring: 2 (p-1) steps, each sending n/p bytes: 2(p-1) alpha + 2(p-1)/p n beta."""
    _check_world(world_size)
    p = world_size
    return 2 * (p - 1) * model.alpha + 2 * (p - 1) / p * nbytes * model.beta


def tree_all_reduce_seconds(model: AlphaBeta, nbytes: float, world_size: int) -> float:
    """Binomial tree: reduce to rank 0 then broadcast, each ceil(log2 p) rounds of a whole message."""
    _check_world(world_size)
    return 2 * math.ceil(math.log2(world_size)) * (model.alpha + nbytes * model.beta)


def crossover_bytes(model: AlphaBeta, world_size: int) -> float:
    """The size at which ring and tree cost the same; the tree is faster below it (0: never faster).

    With L = ceil(log2 p): n* = alpha (p - 1 - L) / (beta (L - (p - 1) / p)).
    """
    _check_world(world_size)
    p, levels = world_size, math.ceil(math.log2(world_size))
    if p - 1 - levels <= 0:  # p <= 3: the tree has no fewer latencies than the ring
        return 0.0
    return model.alpha * (p - 1 - levels) / (model.beta * (levels - (p - 1) / p))


def _check_world(world_size: int) -> None:
    if world_size < 1:
        raise ValueError(f"world_size must be at least 1, got {world_size}")


def ping_pong_seconds(nbytes: int, repeat: int = 5, warmup: int = 2) -> list[float]:
    """Between ranks 0 and 1 of the group: one-way seconds (half a round trip) of nbytes, `repeat` times.

    Other ranks return an empty list at once. Call on every rank of the group.
    """
    rank = dist.get_rank()
    if rank > 1:
        return []
    buffer, other, times = torch.zeros(max(1, nbytes), dtype=torch.uint8), 1 - rank, []
    for i in range(warmup + repeat):
        start = time.perf_counter()
        if rank == 0:
            dist.send(buffer, other)
            dist.recv(buffer, other)
        else:
            dist.recv(buffer, other)
            dist.send(buffer, other)
        if i >= warmup:
            times.append((time.perf_counter() - start) / 2)
    return times
