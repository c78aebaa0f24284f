"""Elementwise fusion: a tree of elementwise nodes, each feeding only the next, becomes one fused node.

The fused node (domain "dlsys_lab") keeps its members in `body`; the interpreter runs them in one call, and
model_from_graph writes it as a model-local ONNX function, so onnxruntime runs the fused graph too.
`fusion_groups` finds the trees on plain data (graded in lab08_export); `fuse_elementwise` builds the nodes.
"""
from __future__ import annotations

from ..interpret import FUSED_DOMAIN
from ..ir import Graph, Node

ELEMENTWISE = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Neg", "Exp", "Log", "Tanh", "Sigmoid", "Sqrt", "Relu"})


def fusion_groups(nodes, graph_outputs):
    """The maximal trees of ELEMENTWISE nodes (each (op, inputs, outputs)) in which every member but the root has
    exactly one reading node, a member of the tree, and is no graph output: lists of positions in graph order,
    one per tree of two nodes or more, ordered by their roots."""
    # BEGIN LAB lab08_export fusion_groups
    readers: dict[str, set[int]] = {}
    for position, (_, inputs, _) in enumerate(nodes):
        for name in inputs:
            readers.setdefault(name, set()).add(position)
    root_of: dict[int, int] = {}
    for position in reversed(range(len(nodes))):  # consumers first: a producer joins its only consumer's tree
        op, _, outputs = nodes[position]
        if op not in ELEMENTWISE:
            continue
        only = readers.get(outputs[0], set())
        root_of[position] = position
        if len(only) == 1 and outputs[0] not in graph_outputs:
            (reader,) = only
            root_of[position] = root_of.get(reader, position)
    groups: dict[int, list[int]] = {}
    for position in sorted(root_of):
        groups.setdefault(root_of[position], []).append(position)
    return [members for _, members in sorted(groups.items()) if len(members) > 1]
    # END LAB lab08_export


def fuse_elementwise(graph: Graph, group=fusion_groups) -> Graph:
    """A copy of graph with each maximal single-consumer tree of elementwise nodes (found by `group`, fusion_groups'
    signature) replaced by one fused node."""
    graph = graph.copy()
    plain = [(n.op if not n.domain else f"{n.domain}.{n.op}", list(n.inputs), list(n.outputs)) for n in graph.nodes]
    groups = [[int(p) for p in members] for members in group(plain, [v.name for v in graph.outputs])]
    root = {members[-1]: members for members in groups}
    fused = {position for members in groups for position in members}
    nodes = []
    for position, node in enumerate(graph.nodes):
        if position in root:
            nodes.append(fused_node([graph.nodes[m] for m in root[position]], len(nodes)))
        elif position not in fused:
            nodes.append(node)
    graph.nodes = nodes
    return graph


def fused_node(members: list[Node], index: int) -> Node:
    """One FusedElementwise node running `members` (in graph order; the last is the root), named after their ops."""
    produced = {out for m in members for out in m.outputs}
    inputs = list(dict.fromkeys(name for m in members for name in m.inputs if name and name not in produced))
    name = f"Fused_{'_'.join(m.op for m in members)}_{index}"
    return Node("FusedElementwise", tuple(inputs), members[-1].outputs, {}, name, FUSED_DOMAIN, members)
