"""Command line: python -m dlsys_lab.bench.frameworks [--fast] [--json OUT] [--plot PNG] [--frameworks A,B]."""
from __future__ import annotations

import argparse
import json

from dlsys_lab.bench.frameworks import FRAMEWORKS, MODELS, plot, run, table


def main(argv=None) -> dict:
    """Run the benchmark, print the table, and write JSON and a plot when asked."""
    parser = argparse.ArgumentParser(prog="python -m dlsys_lab.bench.frameworks",
                                     description="One training step in each framework, measured honestly.")
    parser.add_argument("--json", metavar="OUT", help="write the full report (samples, machine, load) here")
    parser.add_argument("--plot", metavar="PNG", help="save the ratio plot here")
    parser.add_argument("--fast", action="store_true", help="tiny models and few rounds (for tests)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated names")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.fast else 15)
    report = run(args.frameworks.split(","), args.models.split(","), size="fast" if args.fast else "full",
                 rounds=rounds, warmup=2 if args.fast else 5, number=2 if args.fast else 5, threads=args.threads)
    print(table(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    if args.plot:
        plot(report).savefig(args.plot, dpi=120)
    return report


if __name__ == "__main__":
    main()
