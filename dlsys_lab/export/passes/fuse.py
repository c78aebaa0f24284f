"""Elementwise fusion: a tree of elementwise nodes, each feeding only the next, becomes one fused node.

The fused node (domain "dlsys_lab") keeps its members in `body`; the interpreter runs them in one call, and
model_from_graph writes it as a model-local ONNX function, so onnxruntime runs the fused graph too.
"""
from __future__ import annotations

from ..interpret import FUSED_DOMAIN
from ..ir import Graph, Node

ELEMENTWISE = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Neg", "Exp", "Log", "Tanh", "Sigmoid", "Sqrt", "Relu"})


def fuse_elementwise(graph: Graph) -> Graph:
    """A copy of graph with each maximal single-consumer tree of elementwise nodes replaced by one fused node."""
    graph = graph.copy()
    consumers = graph.consumers()
    outputs = {v.name for v in graph.outputs}
    group: dict[int, list[Node]] = {}  # id(root node) -> its members, in graph order
    root_of: dict[int, int] = {}
    for node in reversed(graph.nodes):  # consumers first: a producer joins the group of its only consumer
        if node.op not in ELEMENTWISE or node.domain:
            continue
        readers = list({id(r): r for r in consumers.get(node.outputs[0], [])}.values())  # Add(a, a) reads a once
        only = readers[0] if len(readers) == 1 and node.outputs[0] not in outputs else None
        root = root_of.get(id(only)) if only is not None and only.op in ELEMENTWISE else None
        root = id(node) if root is None else root
        root_of[id(node)] = root
        group.setdefault(root, []).insert(0, node)
    fused_at = {root: members for root, members in group.items() if len(members) > 1}
    members_of_fused = {id(m) for members in fused_at.values() for m in members}
    nodes = []
    for node in graph.nodes:
        if id(node) in fused_at:
            nodes.append(_fused(fused_at[id(node)], len(nodes)))
        elif id(node) not in members_of_fused:
            nodes.append(node)
    graph.nodes = nodes
    return graph


def _fused(members: list[Node], index: int) -> Node:
    produced = {out for m in members for out in m.outputs}
    inputs = list(dict.fromkeys(name for m in members for name in m.inputs if name and name not in produced))
    name = f"Fused_{'_'.join(m.op for m in members)}_{index}"
    return Node("FusedElementwise", tuple(inputs), members[-1].outputs, {}, name, FUSED_DOMAIN, members)
