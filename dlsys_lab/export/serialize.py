"""ONNX ModelProto <-> the IR: reading and writing models, with errors that say what is wrong with a file."""
from __future__ import annotations

import os

import numpy as np
import onnx
import onnx.inliner  # not loaded by `import onnx`
from onnx import helper, numpy_helper

from .errors import OnnxLoadError
from .ir import Graph, Node, Value

DEFAULT_DOMAINS = ("", "ai.onnx")
OLDEST_OPSET = 13


def load_model(source) -> onnx.ModelProto:
    """A checked ModelProto from a path, bytes or a ModelProto; OnnxLoadError names the file and the problem."""
    if isinstance(source, onnx.ModelProto):
        model, where = source, "model"
    else:
        where = "bytes" if isinstance(source, bytes) else str(source)
        if not isinstance(source, bytes) and not os.path.isfile(source):
            raise OnnxLoadError(f"{where}: no such file")
        try:
            model = onnx.load_from_string(source) if isinstance(source, bytes) else onnx.load(source)
        except Exception as err:  # protobuf's DecodeError and friends
            detail = f"{type(err).__name__}: {err}"
            raise OnnxLoadError(f"{where}: not an ONNX model, or a truncated one ({detail})") from err
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as err:
        first = str(err).strip().splitlines()[0]
        raise OnnxLoadError(f"{where}: not a valid ONNX model ({first}); was the file truncated or written "
                            f"by an incomplete export?") from err
    return model


def attribute_value(attr: onnx.AttributeProto):
    """An attribute as a plain Python value: tensors as NumPy arrays, strings as str."""
    value = helper.get_attribute_value(attr)
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [v.decode() if isinstance(v, bytes) else v for v in value]
    return value


def _value(info) -> Value:
    kind = info.type.tensor_type
    shape = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in kind.shape.dim)
    dtype = helper.tensor_dtype_to_np_dtype(kind.elem_type).name if kind.elem_type else "float32"
    return Value(info.name, shape, dtype)


def graph_from_model(model: onnx.ModelProto) -> Graph:
    """The IR of a (checked) model; model-local functions are inlined, and opsets before 13 converted to 13."""
    if model.functions:
        model = onnx.inliner.inline_local_functions(model)
    opset = next((o.version for o in model.opset_import if o.domain in DEFAULT_DOMAINS), 1)
    if opset < OLDEST_OPSET:  # the tables follow opset 13 and later (Softmax, Split, Squeeze changed there)
        model, opset = onnx.version_converter.convert_version(model, OLDEST_OPSET), OLDEST_OPSET
    g = model.graph
    initializers = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    nodes = [Node(n.op_type, tuple(n.input), tuple(n.output), {a.name: attribute_value(a) for a in n.attribute},
                  n.name or f"{n.op_type}_{i}", n.domain) for i, n in enumerate(g.node)]
    inputs = [_value(v) for v in g.input if v.name not in initializers]
    return Graph(nodes, inputs, [_value(v) for v in g.output], initializers, opset, g.name or "graph")


def _tensor_type(dtype: str) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _node_proto(node: Node) -> onnx.NodeProto:
    op = node.name if node.body else node.op  # a fused node calls the local function named after it
    return helper.make_node(op, list(node.inputs), list(node.outputs), name=node.name, domain=node.domain or None,
                            **node.attrs)


def _function(node: Node, opset: int) -> onnx.FunctionProto:
    return helper.make_function(node.domain, node.name, list(node.inputs), list(node.outputs),
                                [_node_proto(m) for m in node.body], [helper.make_opsetid("", opset)])


def model_from_graph(graph: Graph) -> onnx.ModelProto:
    """A ModelProto of the IR, ready for onnx.save and onnxruntime; fused nodes become model-local functions."""
    nodes = [_node_proto(n) for n in graph.nodes]
    functions = [_function(n, graph.opset) for n in graph.nodes if n.body]
    info = [helper.make_tensor_value_info(v.name, _tensor_type(v.dtype), list(v.shape))
            for v in graph.inputs + graph.outputs]
    inits = [numpy_helper.from_array(np.asarray(a), name) for name, a in graph.initializers.items()]
    body = helper.make_graph(nodes, graph.name, info[:len(graph.inputs)], info[len(graph.inputs):], inits)
    domains = sorted({f.domain for f in functions})
    model = helper.make_model(body, opset_imports=[helper.make_opsetid(d, graph.opset if not d else 1)
                                                   for d in [""] + domains],
                              functions=functions, producer_name="dlsys_lab")
    model.ir_version = min(model.ir_version, 10)  # what onnxruntime releases read
    return model
