"""The graph that tracing produces and ONNX files load into: nodes with ONNX op names, attributes and named values.

One IR serves both directions (dlsys_lab -> ONNX, ONNX -> dlsys_lab) and the graph passes in passes/.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Node:
    """One operation: an ONNX op type, the names it reads and writes, and its attributes (plain Python values).

    An input name "" is an omitted optional input, as in ONNX. A fused node keeps its sub-nodes in `body`.
    """

    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict = field(default_factory=dict)
    name: str = ""
    domain: str = ""
    body: list["Node"] = field(default_factory=list)


@dataclass
class Value:
    """A graph input or output: its name, shape (ints, or None/str for unknown axes) and NumPy dtype name."""

    name: str
    shape: tuple
    dtype: str


@dataclass
class Graph:
    """Nodes in execution order, the graph's inputs and outputs, and the constant tensors (initializers) by name."""

    nodes: list[Node]
    inputs: list[Value]
    outputs: list[Value]
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    opset: int = 17
    name: str = "dlsys_lab"

    def __len__(self) -> int:
        return len(self.nodes)

    def op_counts(self) -> dict[str, int]:
        """{op type: how many nodes have it}, in order of first appearance."""
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.op] = counts.get(node.op, 0) + 1
        return counts

    def consumers(self) -> dict[str, list[Node]]:
        """{value name: the nodes that read it}."""
        readers: dict[str, list[Node]] = {}
        for node in self.nodes:
            for name in node.inputs:
                readers.setdefault(name, []).append(node)
        return readers

    def copy(self) -> "Graph":
        """A copy whose node list, initializer dict and attribute dicts can be changed without touching this one."""
        nodes = [Node(n.op, n.inputs, n.outputs, dict(n.attrs), n.name, n.domain, list(n.body)) for n in self.nodes]
        return Graph(nodes, list(self.inputs), list(self.outputs), dict(self.initializers), self.opset, self.name)

    def summary(self) -> str:
        """One line: node count and the op vocabulary with counts."""
        ops = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in self.op_counts().items())
        return f"{len(self.nodes)} nodes, {len(self.initializers)} initializers: {ops}"
