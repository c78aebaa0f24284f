"""Data-parallel step time without buckets, with buckets, and with buckets overlapping backward, measured.

Two ranks on gloo, a wide MLP with tens of MB of gradients, interleaved rounds; medians with IQR, the share of
all-reduce time hidden behind backward, and a Chrome trace of one step of each engine.
Usage: python bench/parallel_overlap.py [--width 512] [--depth 24] [--bucket-mb 4] [--rounds 3] [--steps 5]
"""
from __future__ import annotations

import argparse
import json
import os

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.timeline import TIMELINE_VARIANTS, chrome_trace, timeline_table, timeline_worker, wide_mlp


def main() -> None:
    """Measure, print rank 0's table, write the trace."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--depth", type=int, default=24)
    parser.add_argument("--batch", type=int, default=64, help="per rank")
    parser.add_argument("--bucket-mb", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--trace", default="parallel_overlap_trace.json")
    args = parser.parse_args()
    before = os.getloadavg()
    runs = launch(timeline_worker, 2, args.batch, args.width, args.depth, int(args.bucket_mb * 2**20), args.steps,
                  args.rounds, timeout=1200)
    grad_mb = sum(p.numel() * 4 for p in wide_mlp(args.width, args.depth).parameters()) / 2**20
    print(f"{args.depth} x Linear({args.width}, {args.width}): {grad_mb:.1f} MB of gradients in {2 * args.depth} "
          f"tensors, buckets of {args.bucket_mb:g} MB, 2 ranks; {os.cpu_count()} cores, load average "
          f"{before[0]:.2f} before, {os.getloadavg()[0]:.2f} after; {args.rounds} rounds x {args.steps} steps")
    print(timeline_table(*runs[0]))
    with open(args.trace, "w") as f:
        json.dump(chrome_trace([s for _, spans in runs for v in TIMELINE_VARIANTS for s in spans[v]]), f)
    print(f"Chrome trace: {args.trace}")


if __name__ == "__main__":
    main()
