"""Liveness: the first and last step at which each value of a captured graph must exist."""
from __future__ import annotations

from .graph import Graph


def value_lifetimes(reads: list[list[int]]) -> list[tuple[int, int]]:
    """(first_step, last_step) of each value, where step i makes value i and reads the values reads[i].

    A value lives from its own step through the step of its last reader; one that no later step reads
    (the loss, an updated parameter) lives to the last step.
    """
    # BEGIN LAB lab07_memory value_lifetimes
    end = len(reads) - 1
    last = [None] * len(reads)
    for step, inputs in enumerate(reads):
        for value in inputs:
            last[value] = step
    return [(value, end if last[value] is None else last[value]) for value in range(len(reads))]
    # END LAB lab07_memory


def reads_of(graph: Graph) -> list[list[int]]:
    """For each step, the positions of the values its node reads."""
    index = graph.index()
    return [[index[name] for name in node.inputs] for node in graph.nodes]


def liveness(graph: Graph) -> dict[str, tuple[int, int]]:
    """{name: (first_step, last_step)} of every value of the graph (see value_lifetimes)."""
    lives = value_lifetimes(reads_of(graph))
    return {node.name: (int(first), int(last)) for node, (first, last) in zip(graph.nodes, lives)}


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


def lower_bound(graph: Graph, lifetimes: dict | None = None) -> int:
    """The most bytes alive at any one step (given lifetimes, default liveness(graph)): no arena holding every
    value can be smaller."""
    return max(live_bytes(graph, lifetimes), default=0)


def naive_bytes(graph: Graph) -> int:
    """Every value in its own buffer, never reused: the sum of all sizes."""
    return sum(n.nbytes for n in graph.nodes)
