"""Static memory planning: place every value of a captured step at an offset of one arena.

Two values may share bytes only if their lifetimes do not meet. Strategies: `first_fit` and
`best_fit` place values in execution order at the lowest / the tightest gap; `size_ordered` places
the largest values first (first fit), as TFLite's greedy-by-size planner does.
"""
from __future__ import annotations

from dataclasses import dataclass

from .graph import Graph
from .liveness import liveness

STRATEGIES = ("first_fit", "best_fit", "size_ordered")


@dataclass
class Plan:
    """{name: byte offset in the arena} and the arena's size."""

    offsets: dict[str, int]
    arena_bytes: int
    strategy: str


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when two inclusive [first, last] intervals share a point."""
    return a[0] <= b[1] and b[0] <= a[1]


def first_fit_offset(size: int, busy: list[tuple[int, int]]) -> int:
    """The lowest offset where `size` bytes fit between the busy [start, end) byte ranges."""
    # BEGIN LAB lab07_memory first_fit_offset
    offset = 0
    for start, end in sorted(busy):
        if start - offset >= size:
            return offset
        offset = max(offset, end)
    return offset
    # END LAB lab07_memory


def best_fit_offset(size: int, busy: list[tuple[int, int]]) -> int:
    """The start of the smallest gap between the busy ranges that holds `size` bytes (else the top)."""
    best, best_gap, top = None, None, 0
    for start, end in sorted(busy):
        gap = start - top
        if gap >= size and (best_gap is None or gap < best_gap):
            best, best_gap = top, gap
        top = max(top, end)
    return top if best is None else best


def check_plan(graph: Graph, plan: Plan, lifetimes: dict | None = None) -> None:
    """Raise ValueError naming two values alive at the same step whose arena bytes overlap (or one outside it)."""
    # BEGIN LAB lab07_memory check_plan
    lifetimes = lifetimes if lifetimes is not None else liveness(graph)
    placed = [(n.name, plan.offsets[n.name], n.nbytes) for n in graph.nodes if n.nbytes > 0]
    for name, offset, size in placed:
        if offset < 0 or offset + size > plan.arena_bytes:
            raise ValueError(f"{name} at [{offset}, {offset + size}) lies outside the arena of {plan.arena_bytes} bytes")
    for i, (a, a_off, a_size) in enumerate(placed):
        for b, b_off, b_size in placed[i + 1:]:
            if overlap(lifetimes[a], lifetimes[b]) and a_off < b_off + b_size and b_off < a_off + a_size:
                raise ValueError(f"{a} and {b} are alive together ({lifetimes[a]}, {lifetimes[b]}) "
                                 f"but overlap in the arena")
    # END LAB lab07_memory


def plan(graph: Graph, strategy: str = "first_fit") -> Plan:
    """Offsets for every value with bytes, by `strategy` (first_fit, best_fit or size_ordered); validated."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; strategies are: {', '.join(STRATEGIES)}")
    lifetimes = liveness(graph)
    values = [n for n in graph.nodes if n.nbytes > 0]
    if strategy == "size_ordered":
        values.sort(key=lambda n: (-n.nbytes, lifetimes[n.name][0]))
    pick = best_fit_offset if strategy == "best_fit" else first_fit_offset
    offsets, placed = {}, []
    for node in values:
        life = lifetimes[node.name]
        busy = [(offsets[name], offsets[name] + size) for name, size, other in placed if overlap(life, other)]
        offsets[node.name] = pick(node.nbytes, busy)
        placed.append((node.name, node.nbytes, life))
    arena = max((offsets[n.name] + n.nbytes for n in values), default=0)
    result = Plan(offsets, arena, strategy)
    check_plan(graph, result, lifetimes)
    return result
