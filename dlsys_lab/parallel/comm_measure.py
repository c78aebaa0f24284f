"""Measurements for the alpha-beta model: ping-pong times, and three all-reduces timed side by side.

Run the workers inside launch; rank 0's medians come back (the other ranks take part in every transfer).
"""
from __future__ import annotations

import statistics
import time

import torch
import torch.distributed as dist

from dlsys_lab.parallel.collectives import ring_all_reduce
from dlsys_lab.parallel.cost_model import ping_pong_seconds
from dlsys_lab.parallel.tree_all_reduce import tree_all_reduce

ALL_REDUCES = {"ring (ours)": ring_all_reduce, "tree (ours)": tree_all_reduce, "gloo": dist.all_reduce}


def ping_pong_worker(rank, world_size, sizes: list[int], repeat: int = 5) -> list[tuple[int, float]]:
    """(bytes, fastest one-way seconds) per size between ranks 0 and 1; other ranks return [].

    The minimum, not the median: a message never goes faster than the link allows, while a loaded machine
    (other processes, the scheduler) only ever adds time; the fastest of several is the link's cost.
    """
    rows = [(n, ping_pong_seconds(n, repeat)) for n in sizes]
    return [(n, min(times)) for n, times in rows if times]


def all_reduce_worker(rank, world_size, sizes: list[int], repeat: int = 5) -> dict[str, dict[int, float]]:
    """{name: {bytes: median seconds}} for each all-reduce of ALL_REDUCES, alternated so drift hits all alike.

    Each timing starts after a barrier and stops when this rank's part is done; float32 tensors of ones.
    """
    times = {name: {n: [] for n in sizes} for name in ALL_REDUCES}
    for n in sizes:
        tensor = torch.ones(max(1, n // 4))
        for i in range(repeat + 1):  # the first round warms up connections and buffers
            for name, fn in ALL_REDUCES.items():
                dist.barrier()
                start = time.perf_counter()
                fn(tensor)
                if i:
                    times[name][n].append(time.perf_counter() - start)
    return {name: {n: statistics.median(ts) for n, ts in per_size.items()} for name, per_size in times.items()}
