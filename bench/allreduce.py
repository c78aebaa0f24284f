"""ring_all_reduce (ours, from isend/irecv) against gloo's dist.all_reduce, 1 to 64 MB, in one run.

Prints median seconds and the bandwidth ratio ours/gloo (= t_gloo / t_ours; goal >= 0.8 from 16 MB).
Usage: python bench/allreduce.py [--world-size 2] [--repeat 7] [--sizes-mb 1 4 16 64]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.distributed as dist

from dlsys_lab.parallel import launch, ring_all_reduce


def timed(fn, tensor) -> float:
    """Seconds for one collective, started together on every rank (barrier first)."""
    dist.barrier()
    start = time.perf_counter()
    fn(tensor)
    return time.perf_counter() - start


def bench_worker(rank, world_size, sizes_mb, repeat):
    """Per size: median seconds of ours and gloo's, alternating runs so drift hits both alike."""
    rows = []
    for mb in sizes_mb:
        tensor = torch.ones(mb * 2**20 // 4)  # float32
        ours, gloo = [], []
        for i in range(repeat + 2):  # the first two of each are warm-up
            o, g = timed(ring_all_reduce, tensor), timed(dist.all_reduce, tensor)
            if i >= 2:
                ours.append(o)
                gloo.append(g)
        rows.append((mb, statistics.median(ours), statistics.median(gloo)))
    return rows


def main() -> None:
    """Launch the workers and print the table rank 0 measured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[1, 4, 16, 64])
    args = parser.parse_args()
    rows = launch(bench_worker, args.world_size, args.sizes_mb, args.repeat, timeout=600)[0]
    print(f"world size {args.world_size}, gloo on loopback, one thread per worker, medians of {args.repeat}")
    print(f"{'MB':>4} {'ours s':>10} {'gloo s':>10} {'ours GB/s':>10} {'gloo GB/s':>10} {'ratio':>6}")
    for mb, ours, gloo in rows:
        gb = mb / 1024
        print(f"{mb:>4} {ours:>10.4f} {gloo:>10.4f} {gb / ours:>10.2f} {gb / gloo:>10.2f} {gloo / ours:>6.2f}")


if __name__ == "__main__":
    main()
