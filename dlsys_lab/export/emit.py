"""Emitter: builds the IR while a model is traced (fresh value names, initializers, opset-dependent forms).

The export half of each op table entry calls it: `emit.node("Relu", [x])` returns the new value's name.
"""
from __future__ import annotations

import numpy as np
from onnx import helper

from ..autodiff.tensor import Tensor
from .ir import Node


class Emitter:
    """Collects nodes and initializers for one traced graph at one opset."""

    def __init__(self, opset: int):
        self.opset = opset
        self.nodes: list[Node] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.names: dict[int, str] = {}  # id(value) -> its name in the graph
        self.labels: dict[int, str] = {}  # id(parameter) -> the name its initializer gets when first used
        self.keep: list = []  # the named values, kept alive so their ids stay theirs
        self.count = 0

    def fresh(self, prefix: str) -> str:
        """A new unique value name."""
        self.count += 1
        return f"{prefix}_{self.count}"

    def node(self, op: str, inputs, n_out: int = 1, **attrs):
        """Append a node; returns its output name (a tuple of names when n_out > 1)."""
        outputs = tuple(self.fresh(op.lower()) for _ in range(n_out))
        self.nodes.append(Node(op, tuple(inputs), outputs, attrs, f"{op}_{len(self.nodes)}"))
        return outputs[0] if n_out == 1 else outputs

    def constant(self, array, name: str | None = None) -> str:
        """A new initializer holding `array` (named `name`, else a fresh name)."""
        name = name or self.fresh("const")
        self.initializers[name] = np.asarray(array)
        return name

    def ints(self, values) -> str:
        """An int64 initializer (shapes, axes, starts and ends)."""
        return self.constant(np.asarray(list(values), dtype=np.int64))

    def onnx_dtype(self, dtype: str) -> int:
        """ONNX's TensorProto element type for a NumPy dtype name."""
        return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def lowered(self, lowering) -> str:
        """Append the node of a lowering (op_type, inputs, attrs, constants; see lowering.py), its constants as
        fresh initializers; returns its output name."""
        op_type, inputs, attrs, constants = lowering
        fresh = {name: self.constant(array) for name, array in constants.items()}
        return self.node(op_type, [fresh.get(name, name) for name in inputs], **attrs)

    def with_axes(self, op: str, x: str, axes, axes_input_since: int, **attrs) -> str:
        """A node taking `axes` as an int64 input from opset `axes_input_since` on, as an attribute before."""
        if self.opset >= axes_input_since:
            return self.node(op, [x, self.ints(axes)], **attrs)
        return self.node(op, [x], axes=list(axes), **attrs)

    def bind(self, value, name: str) -> None:
        """Record that traced `value` (a Tensor or an integer array) is graph value `name`."""
        self.names[id(value)] = name
        self.keep.append(value)

    def name(self, value) -> str:
        """The graph name of a traced value; one not seen before (a parameter, a constant) becomes an initializer."""
        found = self.names.get(id(value))
        if found is None:
            array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            found = self.constant(np.array(array), self.labels.get(id(value)))
            self.bind(value, found)
        return found
