"""Constant folding: a node whose inputs are all initializers is run once, here, and its outputs become initializers.

Folding a node that reads a parameter (Transpose of a weight) makes the folded value the parameter.
"""
from __future__ import annotations

from ...autodiff.tensor import Tensor
from ..interpret import run_node
from ..ir import Graph
from ..values import as_value

NEVER_FOLDED = frozenset({"Dropout", "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike"})


def fold_constants(graph: Graph) -> Graph:
    """A copy of graph with every node computable from initializers alone replaced by its values."""
    graph = graph.copy()
    kept = []
    for node in graph.nodes:
        known = all(not name or name in graph.initializers for name in node.inputs)
        if not known or node.op in NEVER_FOLDED or not node.inputs:
            kept.append(node)
            continue
        values = run_node(node, [as_value(graph.initializers[name]) if name else None for name in node.inputs])
        for name, value in zip(node.outputs, values):
            graph.initializers[name] = value.numpy() if isinstance(value, Tensor) else value
    graph.nodes = kept
    return graph
