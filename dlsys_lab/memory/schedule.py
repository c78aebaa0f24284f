"""Operator scheduling for memory: the execution order of a graph that lowers peak bytes.

A node's output is allocated when it runs and freed after its last consumer ran (values nobody reads
stay to the end). `min_peak_order` searches every order exactly (dynamic programming over the sets
of nodes already run, for small graphs); `greedy_order` picks, at each step, the ready node that
leaves the fewest bytes alive.
"""
from __future__ import annotations

from .graph import Graph

EXACT_LIMIT = 22


def _structure(graph: Graph):
    index = graph.index()
    preds = [frozenset(index[i] for i in n.inputs) for n in graph.nodes]
    succs = [set() for _ in graph.nodes]
    for v, ps in enumerate(preds):
        for u in ps:
            succs[u].add(v)
    return preds, succs, [n.nbytes for n in graph.nodes]


def peak_of_order(graph: Graph, order: list[str]) -> int:
    """The peak bytes of running the graph's nodes in `order` (a topological order of names)."""
    index = graph.index()
    preds, succs, size = _structure(graph)
    done, live, peak = set(), 0, 0
    for name in order:
        v = index[name]
        if v in done or not preds[v] <= done:
            raise ValueError(f"{name} runs before one of its inputs (or twice): not a topological order")
        live += size[v]
        peak = max(peak, live)
        done.add(v)
        live -= sum(size[u] for u in preds[v] if succs[u] <= done)
    if len(done) != len(graph.nodes):
        raise ValueError(f"the order runs {len(done)} of the {len(graph.nodes)} nodes")
    return peak


def min_peak_order(graph: Graph) -> tuple[list[str], int]:
    """(an order with the least peak bytes, that peak): exact, by DP over down-closed node sets."""
    n = len(graph.nodes)
    if n > EXACT_LIMIT:
        raise ValueError(f"exact search is for graphs of at most {EXACT_LIMIT} nodes (got {n}); use greedy_order")
    preds, succs, size = _structure(graph)
    pred_mask = [sum(1 << u for u in ps) for ps in preds]
    succ_mask = [sum(1 << w for w in ws) for ws in succs]
    best = {0: (0, 0, None, None)}  # done set -> (peak so far, live bytes, previous set, node run last)
    frontier = [0]
    for _ in range(n):
        nxt = {}
        for done in frontier:
            peak, live, _, _ = best[done]
            for v in range(n):
                bit = 1 << v
                if done & bit or pred_mask[v] & ~done:
                    continue
                after = done | bit
                new_peak = max(peak, live + size[v])
                freed = sum(size[u] for u in preds[v] if succ_mask[u] & ~after == 0)
                if after not in nxt or new_peak < nxt[after][0]:
                    nxt[after] = (new_peak, live + size[v] - freed, done, v)
        best.update(nxt)
        frontier = list(nxt)
    order, state = [], (1 << n) - 1
    while state:
        _, _, previous, v = best[state]
        order.append(graph.nodes[v].name)
        state = previous
    order.reverse()
    return order, best[(1 << n) - 1][0]


def greedy_order(graph: Graph) -> tuple[list[str], int]:
    """(a memory-aware order, its peak): run the ready node leaving the fewest bytes alive (ties: graph order)."""
    preds, succs, size = _structure(graph)
    remaining = [len(ps) for ps in preds]
    users_left = [len(ws) for ws in succs]
    ready = {v for v in range(len(graph.nodes)) if not preds[v]}
    order = []
    while ready:
        def growth(v):
            freed = sum(size[u] for u in preds[v] if users_left[u] == 1)
            return (size[v] - freed, size[v], v)
        v = min(ready, key=growth)
        ready.remove(v)
        order.append(graph.nodes[v].name)
        for u in preds[v]:
            users_left[u] -= 1
        for w in succs[v]:
            remaining[w] -= 1
            if remaining[w] == 0:
                ready.add(w)
    return order, peak_of_order(graph, order)
