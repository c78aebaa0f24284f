"""Week 8: dlsys_lab models to ONNX and back, ONNX's conformance tests against dlsys_lab, and passes on the graph.

`to_onnx` traces a Module or function of Tensors into the IR (ir.py) and writes it; `from_onnx` loads any ONNX file
into a trainable dlsys_lab Module. Both use the op tables in ops_*.py.
"""
from . import ops_math, ops_nn, ops_shape  # noqa: F401  (fill the op tables)
from .errors import OnnxLoadError, UnsupportedOpError
from .ir import Graph, Node, Value
from .model import OnnxModel
from .serialize import graph_from_model, load_model


def from_onnx(source, device=None) -> OnnxModel:
    """A trainable dlsys_lab model from an ONNX file (a path, bytes or a ModelProto) on `device`."""
    return OnnxModel(graph_from_model(load_model(source)), device)


__all__ = ["from_onnx", "OnnxModel", "Graph", "Node", "Value", "OnnxLoadError", "UnsupportedOpError",
           "graph_from_model", "load_model"]
