"""Strong scaling of DDP training on this machine: time per step for world sizes 1-4, with the efficiency.

Interleaved rounds (each visits every world size, order rotated), step times pooled: median and IQR. One launch
of the largest world; smaller worlds are subgroups of it while the other ranks wait, blocked, in a barrier.
The core count and load average are printed with the table: ranks beyond the cores share them.
Usage: python bench/parallel_scaling.py [--rounds 3] [--steps 10] [--width 512] [--depth 8] [--batch 384]
"""
from __future__ import annotations

import argparse
import os

from dlsys_lab.parallel.scaling import measure_scaling, scaling_table


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--batch", type=int, default=384, help="global batch, split over the ranks")
    parser.add_argument("--world-sizes", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    before = os.getloadavg()
    pooled = measure_scaling(args.world_sizes, args.rounds, args.batch, args.width, args.depth, args.steps)
    print(f"MLP {args.depth} x Linear({args.width}, {args.width}), global batch {args.batch}, torch DDP on gloo, "
          f"{args.rounds} rounds x {args.steps} steps")
    print(scaling_table(pooled, before, os.getloadavg()))


if __name__ == "__main__":
    main()
