"""Running the IR with dlsys_lab ops: one node at a time through the import table (IMPORTS).

Floating values are Tensors (so gradients flow); integer values (shapes, indices) are NumPy arrays. A node whose
inputs are all integers runs on float64 Tensors and its results are cast back to the inputs' integer type.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tensor import Tensor
from .errors import UnsupportedOpError
from .ir import Graph, Node
from .registry import IMPORTS
from .serialize import DEFAULT_DOMAINS
from .values import as_value

FUSED_DOMAIN = "dlsys_lab"


def check_supported(graph: Graph) -> None:
    """Raise UnsupportedOpError for the first node whose op has no entry in the import table."""
    for node in graph.nodes:
        if node.domain == FUSED_DOMAIN:
            continue
        if node.domain not in DEFAULT_DOMAINS or node.op not in IMPORTS:
            domain = f" in domain {node.domain!r}" if node.domain not in DEFAULT_DOMAINS else ""
            raise UnsupportedOpError(node.op, node.name, graph.opset,
                                     f"dlsys_lab has no implementation{domain}; supported ops: "
                                     f"{', '.join(sorted(IMPORTS))}")


def _as_integers(value: Tensor, dtype) -> np.ndarray:
    return np.trunc(value.numpy()).astype(dtype)


def run_node(node: Node, inputs: list) -> tuple:
    """The outputs of one node (a tuple, one per node output) for input values (None where omitted)."""
    if node.domain == FUSED_DOMAIN:
        return run_nodes(node.body, dict(zip(node.inputs, inputs)), node.outputs)
    importer = IMPORTS[node.op]
    present = [v for v in inputs if v is not None]
    integer = bool(present) and not importer.integer_inputs and all(isinstance(v, np.ndarray) for v in present)
    if integer:
        dtype = present[0].dtype
        inputs = [None if v is None else Tensor(v, device="numpy", dtype="float64", requires_grad=False)
                  for v in inputs]
    out = importer.fn(node, *inputs)
    out = out if isinstance(out, tuple) else (out,)
    if integer:
        out = tuple(_as_integers(v, dtype) if isinstance(v, Tensor) else v for v in out)
    return out


def run_nodes(nodes: list[Node], values: dict, outputs) -> tuple:
    """Run `nodes` in order over the named `values` (extended in place); return the values named in `outputs`."""
    for node in nodes:
        results = run_node(node, [values[name] if name else None for name in node.inputs])
        for name, value in zip(node.outputs, results):
            if name:
                values[name] = value
    return tuple(values[name] for name in outputs)


def evaluate(graph: Graph, *inputs, constants: dict | None = None) -> tuple:
    """The graph's outputs for inputs in graph-input order; initializers come from `constants` (else the graph's)."""
    if len(inputs) != len(graph.inputs):
        raise ValueError(f"the graph takes {len(graph.inputs)} inputs ({', '.join(v.name for v in graph.inputs)}), "
                         f"got {len(inputs)}")
    if constants is None:
        constants = {name: as_value(array) for name, array in graph.initializers.items()}
    values = dict(constants)
    values.update({v.name: as_value(x) for v, x in zip(graph.inputs, inputs)})
    return run_nodes(graph.nodes, values, [v.name for v in graph.outputs])
