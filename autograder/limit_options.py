"""The command-line options every grading command shares (--timeout, --notebook-timeout, --memory)."""
from __future__ import annotations

import argparse

from autograder import sandbox


def parse_limits(args) -> sandbox.Limits:
    """Limits from the common command-line options."""
    return sandbox.Limits(cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout, memory_mb=args.memory)


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """--timeout, --notebook-timeout, --memory."""
    defaults = sandbox.Limits()
    parser.add_argument("--timeout", type=float, default=defaults.cell_timeout, help="seconds per cell")
    parser.add_argument("--notebook-timeout", type=float, default=defaults.notebook_timeout,
                        help="seconds per notebook")
    parser.add_argument("--memory", type=int, default=defaults.memory_mb, help="MB of memory per submission")
