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


def first_conflict(sizes: list[int], lifetimes: list[tuple[int, int]], offsets: list[int], arena_bytes: int):
    """None when the placement is valid; else (i,) for the first value reaching outside [0, arena_bytes), or
    else (i, j), i < j, for the first pair alive at a common step whose bytes overlap. Size-0 values take no space."""
    # BEGIN LAB lab07_memory first_conflict
    placed = [i for i, size in enumerate(sizes) if size > 0]
    for i in placed:
        if offsets[i] < 0 or offsets[i] + sizes[i] > arena_bytes:
            return (i,)
    for a, i in enumerate(placed):
        for j in placed[a + 1:]:
            if overlap(lifetimes[i], lifetimes[j]) and offsets[i] < offsets[j] + sizes[j] \
                    and offsets[j] < offsets[i] + sizes[i]:
                return (i, j)
    return None
    # END LAB lab07_memory


def check_plan(graph: Graph, plan: Plan, lifetimes: dict | None = None, find_conflict=None) -> None:
    """Raise ValueError naming a value outside the arena, or two values alive together whose bytes overlap.

    `find_conflict` replaces first_conflict (to check with one's own)."""
    lifetimes = lifetimes if lifetimes is not None else liveness(graph)
    names = [n.name for n in graph.nodes]
    sizes = [n.nbytes for n in graph.nodes]
    conflict = (first_conflict if find_conflict is None else find_conflict)(sizes, [lifetimes[n] for n in names], [plan.offsets.get(n, 0) for n in names],
                              plan.arena_bytes)
    if conflict is None:
        return
    if len(conflict) == 1:
        name = names[conflict[0]]
        raise ValueError(f"{name} at offset {plan.offsets[name]} ({sizes[conflict[0]]} bytes) lies outside the "
                         f"arena of {plan.arena_bytes} bytes")
    a, b = (names[i] for i in conflict)
    raise ValueError(f"{a} and {b} are alive together ({lifetimes[a]}, {lifetimes[b]}) but overlap in the arena")


def plan(graph: Graph, strategy: str = "first_fit", lifetimes: dict | None = None, place=None,
         on_place=None, find_conflict=None) -> Plan:
    """Offsets for every value with bytes, by `strategy` (first_fit, best_fit or size_ordered); validated.

    `lifetimes`, `place(size, busy) -> offset` and `find_conflict` replace liveness(graph), the strategy's gap
    search and first_conflict (to try one's own); `on_place(name, offset, busy)` is called after each placement
    (for animations).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; strategies are: {', '.join(STRATEGIES)}")
    lifetimes = lifetimes if lifetimes is not None else liveness(graph)
    values = [n for n in graph.nodes if n.nbytes > 0]
    if strategy == "size_ordered":
        values.sort(key=lambda n: (-n.nbytes, lifetimes[n.name][0]))
    pick = place if place is not None else (best_fit_offset if strategy == "best_fit" else first_fit_offset)
    offsets, placed = {}, []
    for node in values:
        life = lifetimes[node.name]
        busy = [(offsets[name], offsets[name] + size) for name, size, other in placed if overlap(life, other)]
        offsets[node.name] = pick(node.nbytes, busy)
        placed.append((node.name, node.nbytes, life))
        if on_place is not None:
            on_place(node.name, offsets[node.name], busy)
    arena = max((offsets[n.name] + n.nbytes for n in values), default=0)
    result = Plan(offsets, arena, strategy)
    check_plan(graph, result, lifetimes, find_conflict)
    return result
