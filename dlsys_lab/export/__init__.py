"""Week 8: dlsys_lab models to ONNX and back, ONNX's conformance tests against dlsys_lab, and passes on the graph.

`to_onnx` traces a Module or function of Tensors into the IR (ir.py) and writes it; `from_onnx` loads any ONNX file
into a trainable dlsys_lab Module. Both use the op tables in ops_*.py.
"""
import onnx

from . import ops_math, ops_nn, ops_shape  # noqa: F401  (fill the op tables)
from .errors import OnnxLoadError, UnsupportedOpError
from .ir import Graph, Node, Value
from .model import OnnxModel
from .passes import optimize
from .serialize import graph_from_model, load_model, model_from_graph
from .trace import trace


def to_onnx(model, example_input, path, opset: int = 17) -> onnx.ModelProto:
    """Trace model(example_input) (a Module or a function of Tensors; a tuple for several inputs), check the ONNX
    model with onnx.checker (full_check) and save it to `path`; returns the ModelProto."""
    if not 13 <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"opset {opset}: to_onnx writes opsets 13 to {onnx.defs.onnx_opset_version()}")
    proto = model_from_graph(trace(model, example_input, opset))
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    return proto


def from_onnx(source, device=None) -> OnnxModel:
    """A trainable dlsys_lab model from an ONNX file (a path, bytes or a ModelProto) on `device`."""
    return OnnxModel(graph_from_model(load_model(source)), device)


__all__ = ["to_onnx", "from_onnx", "trace", "model_from_graph", "optimize", "OnnxModel", "Graph", "Node", "Value",
           "OnnxLoadError", "UnsupportedOpError",
           "graph_from_model", "load_model"]
