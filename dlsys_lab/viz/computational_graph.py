"""A tiny scalar computational graph that records forward and reverse mode step by step.

The week-2 lecture widget (graph_stepper.py) draws these traces; nothing here needs a plot.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class GraphNode:
    """One node: its label, its input nodes, its value function and its local partial derivatives."""

    name: str
    label: str
    inputs: tuple[str, ...] = ()
    fn: Callable[..., float] | None = None
    partials: Callable[..., tuple[float, ...]] | None = None


# f(x1, x2) = ln(x1) + x1 * x2 - tanh(x2): the textbook example with tanh for sin (every framework has tanh)
EXAMPLE_NODES = (
    GraphNode("x1", "x1"),
    GraphNode("x2", "x2"),
    GraphNode("v1", "ln x1", ("x1",), math.log, lambda a: (1 / a,)),
    GraphNode("v2", "x1 * x2", ("x1", "x2"), lambda a, b: a * b, lambda a, b: (b, a)),
    GraphNode("v3", "tanh x2", ("x2",), math.tanh, lambda a: (1 - math.tanh(a) ** 2,)),
    GraphNode("v4", "v1 + v2", ("v1", "v2"), lambda a, b: a + b, lambda a, b: (1.0, 1.0)),
    GraphNode("f", "v4 - v3", ("v4", "v3"), lambda a, b: a - b, lambda a, b: (1.0, -1.0)),
)


@dataclass
class TraceStep:
    """The state after one step: values, tangents (forward mode) and adjoints (reverse mode) so far."""

    description: str
    active: str
    values: dict
    tangents: dict
    adjoints: dict


class ComputationalGraph:
    """Nodes in topological order; the last node is the output."""

    def __init__(self, nodes=EXAMPLE_NODES):
        self.nodes = list(nodes)
        self.inputs = [node.name for node in self.nodes if not node.inputs]

    def _evaluate(self, node, values):
        """Value and local partials of `node` given the values of its inputs."""
        args = [values[name] for name in node.inputs]
        return node.fn(*args), node.partials(*args)

    def reverse_mode(self, point: dict) -> list[TraceStep]:
        """Forward sweep (one step per node), then the backward sweep accumulating adjoints."""
        values, steps = {}, []
        for node in self.nodes:
            if node.inputs:
                values[node.name], _ = self._evaluate(node, values)
                text = f"{node.name} = {node.label} = {values[node.name]:.4g}"
            else:
                values[node.name] = float(point[node.name])
                text = f"input {node.name} = {values[node.name]:.4g}"
            steps.append(TraceStep(text, node.name, dict(values), {}, {}))
        output = self.nodes[-1].name
        adjoints = {output: 1.0}
        steps.append(TraceStep(f"seed the output adjoint: d{output}/d{output} = 1", output,
                               dict(values), {}, dict(adjoints)))
        for node in reversed(self.nodes):
            if not node.inputs:
                continue
            _, partials = self._evaluate(node, values)
            parts = []
            for name, partial in zip(node.inputs, partials):
                adjoints[name] = adjoints.get(name, 0.0) + adjoints[node.name] * partial
                parts.append(f"grad {name} += {adjoints[node.name]:.4g} * {partial:.4g}")
            steps.append(TraceStep("; ".join(parts), node.name, dict(values), {}, dict(adjoints)))
        return steps

    def forward_mode(self, point: dict, wrt: str) -> list[TraceStep]:
        """One sweep carrying (value, tangent) pairs with the tangent seeded on input `wrt`."""
        if wrt not in self.inputs:
            raise ValueError(f"wrt={wrt!r}: choose one of the inputs {self.inputs}")
        values, tangents, steps = {}, {}, []
        for node in self.nodes:
            if node.inputs:
                values[node.name], partials = self._evaluate(node, values)
                tangents[node.name] = sum(p * tangents[n] for n, p in zip(node.inputs, partials))
                text = f"{node.name} = {node.label} = {values[node.name]:.4g}; tangent {tangents[node.name]:.4g}"
            else:
                values[node.name] = float(point[node.name])
                tangents[node.name] = 1.0 if node.name == wrt else 0.0
                text = f"input {node.name} = {values[node.name]:.4g}, seed tangent {tangents[node.name]:g}"
            steps.append(TraceStep(text, node.name, dict(values), dict(tangents), {}))
        return steps
