"""Common-subexpression elimination: equal initializers are stored once, and a node that repeats an earlier one
(same op, same inputs, same attributes) is dropped in favour of it."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node


def _node_key(node: Node) -> tuple:
    return node.op, node.domain, node.inputs, repr(sorted(node.attrs.items())), len(node.outputs)


def _initializer_key(array) -> tuple:
    array = np.asarray(array)
    return array.dtype.str, array.shape, array.tobytes()


def eliminate_common_subexpressions(graph: Graph, keep: frozenset = frozenset()) -> Graph:
    """A copy of graph where each repeated initializer and node is replaced by its first occurrence.

    Initializers named in `keep` (a model's parameters, to stay trainable one by one) are never merged.
    """
    graph = graph.copy()
    graph_outputs = {v.name for v in graph.outputs}
    same: dict[str, str] = {}  # dropped value name -> the name it equals
    first: dict[tuple, str] = {}
    for name, array in list(graph.initializers.items()):
        key = _initializer_key(array)
        if name in keep or key not in first:
            first.setdefault(key, name)
            continue
        same[name] = first[key]
        del graph.initializers[name]
    seen: dict[tuple, Node] = {}
    kept = []
    for node in graph.nodes:
        node.inputs = tuple(same.get(name, name) for name in node.inputs)
        key = _node_key(node)
        earlier = seen.get(key)
        if earlier is None or any(out in graph_outputs for out in node.outputs) or node.body:
            seen.setdefault(key, node)
            kept.append(node)
            continue
        same.update(zip(node.outputs, earlier.outputs))
    graph.nodes = kept
    return graph
