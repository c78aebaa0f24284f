"""Time per training step with and without gradient checkpointing, dlsys_lab and torch, in one run.

The same deep MLP (Linear + tanh blocks, same weights) in both; checkpointed runs use sqrt(n) segments.
Runs alternate between the variants, so a shared machine slows all alike. Prints the median step time of each,
the recompute overhead (checkpointed / plain) per framework with the spread of repeated ratios, and the
memory each framework reports (dlsys_lab: counted peak; torch: bytes saved for backward).
Usage: python bench/memory.py [--layers 16] [--width 128] [--batch 256] [--rounds 5] [--device numpy]
"""
from __future__ import annotations

import argparse
import os
import statistics

from dlsys_lab import nn
from dlsys_lab.memory.frameworks import dl_step, torch_step

GOAL = 1.5  # the recompute overhead we aim for: like torch's, at most 1.5x the plain step


def main() -> None:
    """Parse the arguments, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=16)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--device", default="numpy")
    args = parser.parse_args()
    k = nn.sqrt_segments(args.layers)
    variants = {("dlsys_lab", None): lambda: dl_step(args.layers, args.width, args.batch, None, args.device, 3),
                ("dlsys_lab", k): lambda: dl_step(args.layers, args.width, args.batch, k, args.device, 3),
                ("torch", None): lambda: torch_step(args.layers, args.width, args.batch, None, 3),
                ("torch", k): lambda: torch_step(args.layers, args.width, args.batch, k, 3)}
    runs = {key: [] for key in variants}
    for r in range(args.rounds):
        for key, run in variants.items():
            runs[key].append(run())
        print(f"round {r + 1}/{args.rounds} done", flush=True)
    print(f"\n{args.layers} layers of width {args.width}, batch {args.batch}, {k} segments; device {args.device}; "
          f"load average {os.getloadavg()[0]:.1f}")
    for framework in ("dlsys_lab", "torch"):
        plain, ckpt = runs[(framework, None)], runs[(framework, k)]
        ratios = [c["seconds"] / p["seconds"] for p, c in zip(plain, ckpt)]
        print(f"{framework:9s} plain {statistics.median(r['seconds'] for r in plain) * 1e3:8.2f} ms  "
              f"checkpointed {statistics.median(r['seconds'] for r in ckpt) * 1e3:8.2f} ms  "
              f"overhead {statistics.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f}, goal <= {GOAL})  "
              f"memory {ckpt[0]['bytes'] / plain[0]['bytes']:.0%} of plain")
    dl_plain = statistics.median(r["seconds"] for r in runs[("dlsys_lab", None)])
    torch_plain = statistics.median(r["seconds"] for r in runs[("torch", None)])
    print(f"dlsys_lab / torch plain step: {dl_plain / torch_plain:.2f}x")


if __name__ == "__main__":
    main()
