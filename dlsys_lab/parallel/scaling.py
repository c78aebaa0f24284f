"""Strong scaling of data-parallel training on this machine: time per step against the world size.

The global batch stays fixed and is split over p ranks; ideal time per step is T1 / p, and the efficiency is
T1 / (p Tp). Ranks beyond the core count share cores (oversubscription): the table says so next to the numbers.
Every world size runs in one launch, as a subgroup of the largest; the ranks outside it wait in a barrier.
"""
from __future__ import annotations

import os
import statistics
import time

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dlsys_lab.parallel.launch import launch
from dlsys_lab.parallel.timeline import summary, wide_mlp
from dlsys_lab.parallel.training import shard


def _ddp_steps(group, rank, world_size, global_batch, width, depth, steps, warmup):
    """Steps of SGD through torch's DDP over `group` on this rank's share of the batch; their seconds."""
    torch.manual_seed(0)
    inputs, targets = torch.randn(global_batch, width), torch.randn(global_batch, width)
    model = DistributedDataParallel(wide_mlp(width, depth), process_group=group)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    x, y = shard(inputs, rank, world_size), shard(targets, rank, world_size)
    seconds = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        if i >= warmup:
            seconds.append(time.perf_counter() - start)
    return seconds


def scaling_worker(rank, world_size, sizes: list[int], rounds: int, global_batch: int, width: int, depth: int,
                   steps: int, warmup: int = 2) -> dict[int, list[float]]:
    """Worker: for each round and each p in sizes (order rotated), ranks 0..p-1 train in a group of p while the
    others wait, blocked, at a barrier; returns rank 0's step seconds per p (one launch serves every p)."""
    groups = {p: dist.new_group(list(range(p))) for p in sizes}  # every rank creates every group, in one order
    pooled = {p: [] for p in sizes}
    for r in range(rounds):
        for p in sizes[r % len(sizes):] + sizes[: r % len(sizes)]:
            if rank < p:
                pooled[p] += _ddp_steps(groups[p], rank, p, global_batch, width, depth, steps, warmup)
            dist.barrier()
    return pooled


def measure_scaling(world_sizes=(1, 2, 3, 4), rounds: int = 3, global_batch: int = 384, width: int = 512,
                    depth: int = 8, steps: int = 10) -> dict[int, list[float]]:
    """Step seconds per world size, pooled over interleaved rounds (each round visits every size, order rotated).

    One launch of max(world_sizes) processes: the smaller worlds are subgroups, the ranks left out wait.
    """
    for p in world_sizes:
        if p < 1 or global_batch % p:
            raise ValueError(f"global_batch {global_batch} does not split over {p} ranks; pick a multiple of "
                             f"every world size (e.g. 12 * k for 1-4)")
    sizes = list(world_sizes)
    return launch(scaling_worker, max(sizes), sizes, rounds, global_batch, width, depth, steps, timeout=1200)[0]


def scaling_table(pooled: dict[int, list[float]], load_before: tuple, load_after: tuple) -> str:
    """Median step, IQR, speed-up and efficiency per world size, headed by the core count and load average."""
    cores = os.cpu_count()
    base = statistics.median(pooled[min(pooled)])
    lines = [f"{cores} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min); "
             "one thread per rank",
             f"{'ranks':>5} {'median ms':>10} {'IQR ms':>16} {'speed-up':>9} {'efficiency':>11}  note"]
    for p, seconds in sorted(pooled.items()):
        median, q1, q3 = summary(seconds)
        note = f"oversubscribed: {p} ranks on {cores} cores" if p > cores else ""
        lines.append(f"{p:>5} {median * 1e3:>10.1f} {f'[{q1 * 1e3:.1f}, {q3 * 1e3:.1f}]':>16} "
                     f"{base / median:>9.2f} {base / (p * median):>11.2f}  {note}")
    return "\n".join(lines)
