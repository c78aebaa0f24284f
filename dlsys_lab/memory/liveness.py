"""Liveness: the first and last step at which each value of a captured graph must exist."""
from __future__ import annotations

from .graph import Graph


def liveness(graph: Graph) -> dict[str, tuple[int, int]]:
    """{name: (first_step, last_step)}: made at its own step, alive through its last reader's step.

    A value no later node reads (the loss, an updated parameter) lives to the end of the step.
    """
    # BEGIN LAB lab07_memory liveness
    end = len(graph.nodes) - 1
    first = {node.name: step for step, node in enumerate(graph.nodes)}
    last = {name: None for name in first}
    for step, node in enumerate(graph.nodes):
        for name in node.inputs:
            last[name] = step
    return {name: (first[name], end if last[name] is None else last[name]) for name in first}
    # END LAB lab07_memory


def live_bytes(graph: Graph, lifetimes: dict | None = None) -> list[int]:
    """The bytes alive at each step, given lifetimes (default: liveness(graph))."""
    lifetimes = lifetimes if lifetimes is not None else liveness(graph)
    delta = [0] * (len(graph.nodes) + 1)
    for node in graph.nodes:
        first, last = lifetimes[node.name]
        delta[first] += node.nbytes
        delta[last + 1] -= node.nbytes
    out, running = [], 0
    for d in delta[:-1]:
        running += d
        out.append(running)
    return out


def lower_bound(graph: Graph) -> int:
    """The most bytes alive at any one step: no arena holding every value can be smaller."""
    return max(live_bytes(graph), default=0)


def naive_bytes(graph: Graph) -> int:
    """Every value in its own buffer, never reused: the sum of all sizes."""
    return sum(n.nbytes for n in graph.nodes)
