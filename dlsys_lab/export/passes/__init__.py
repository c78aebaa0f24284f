"""Graph passes on the IR: constant folding, common-subexpression elimination, dead-code elimination and
elementwise fusion; `optimize` runs them in order and reports node counts and times."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..ir import Graph
from .cse import eliminate_common_subexpressions
from .dce import eliminate_dead_code
from .fold import fold_constants
from .fuse import ELEMENTWISE, fuse_elementwise

PASSES = {"fold": fold_constants, "cse": eliminate_common_subexpressions, "dce": eliminate_dead_code,
          "fuse": fuse_elementwise}


@dataclass(frozen=True)
class PassReport:
    """One pass over one graph: node counts before and after, and the seconds it took."""

    name: str
    nodes_before: int
    nodes_after: int
    seconds: float

    def __str__(self):
        return f"{self.name:5s} {self.nodes_before:4d} -> {self.nodes_after:4d} nodes  {self.seconds * 1e3:7.2f} ms"


def optimize(graph: Graph, passes=("fold", "cse", "dce", "fuse")) -> tuple[Graph, list[PassReport]]:
    """Run the named passes in order; returns the new graph and one PassReport per pass."""
    unknown = [p for p in passes if p not in PASSES]
    if unknown:
        raise ValueError(f"unknown passes {unknown}; the passes are {list(PASSES)}")
    reports = []
    for name in passes:
        start = time.perf_counter()
        after = PASSES[name](graph)
        reports.append(PassReport(name, len(graph), len(after), time.perf_counter() - start))
        graph = after
    return graph, reports


__all__ = ["optimize", "PassReport", "PASSES", "ELEMENTWISE", "fold_constants", "eliminate_dead_code",
           "eliminate_common_subexpressions", "fuse_elementwise"]
