"""Dead-code elimination: keep only the nodes the graph's outputs depend on, and the initializers they read."""
from __future__ import annotations

from ..ir import Graph


def eliminate_dead_code(graph: Graph) -> Graph:
    """A copy of graph without nodes whose outputs nothing uses, and without unused initializers."""
    graph = graph.copy()
    needed = {v.name for v in graph.outputs}
    kept = []
    for node in reversed(graph.nodes):  # outputs before inputs: a node is live if a later live node reads it
        if any(out in needed for out in node.outputs):
            kept.append(node)
            needed.update(name for name in node.inputs if name)
    graph.nodes = kept[::-1]
    graph.initializers = {name: a for name, a in graph.initializers.items() if name in needed}
    return graph
