"""from_onnx's result: a dlsys_lab Module that runs an ONNX graph with dlsys_lab ops, so it trains and moves devices.

Floating initializers become Parameters (named as in the file, e.g. torch's state_dict keys); the values of
Constant nodes become Buffers; integer initializers (shapes, indices) stay NumPy arrays.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tensor import Tensor
from ..nn.module import Buffer, Module, Parameter
from .interpret import check_supported, evaluate
from .ir import Graph
from .values import FLOATS


def _constants_to_initializers(graph: Graph) -> tuple[Graph, set[str]]:
    """A copy of graph whose Constant nodes are initializers; also the names of those (not trainable) values."""
    from .ops_shape import constant_value

    graph = graph.copy()
    fixed = set()
    for node in [n for n in graph.nodes if n.op == "Constant" and not n.domain]:
        value = constant_value(node)
        graph.initializers[node.outputs[0]] = value.numpy() if isinstance(value, Tensor) else value
        fixed.add(node.outputs[0])
        graph.nodes.remove(node)
    return graph, fixed


class OnnxModel(Module):
    """An imported ONNX graph as a Module: call it with the graph's inputs (Tensors or NumPy arrays, in order)."""

    def __init__(self, graph: Graph, device=None):
        super().__init__()
        check_supported(graph)
        self.graph, fixed = _constants_to_initializers(graph)
        self.trainable: dict[str, Parameter] = {}
        self.fixed: dict[str, Buffer] = {}
        self.integers: dict[str, np.ndarray] = {}
        for name, array in self.graph.initializers.items():
            array = np.asarray(array)
            if array.dtype.name not in FLOATS:
                self.integers[name] = array
            elif name in fixed:
                self.fixed[name] = Buffer(array, device, array.dtype.name)
            else:
                self.trainable[name] = Parameter(array, device, array.dtype.name)
        self.eval()

    def named_members(self):
        """The graph's floating initializers: Parameters, then the Buffers of its Constant nodes."""
        yield from self.trainable.items()
        yield from self.fixed.items()

    @property
    def device(self):
        """The device the parameters live on (inputs are moved there)."""
        held = next(iter({**self.trainable, **self.fixed}.values()), None)
        return held.device if held is not None else None

    def _input(self, value, spec):
        if isinstance(value, Tensor):
            return value if self.device is None else value.to(self.device)
        array = np.asarray(value)
        if spec.dtype in FLOATS or array.dtype.name in FLOATS:
            dtype = spec.dtype if spec.dtype in FLOATS else array.dtype.name
            return Tensor(array, device=self.device, dtype=dtype, requires_grad=False)
        return array

    def forward(self, *inputs):
        """The graph's output (a Tensor, or a NumPy array for integer outputs), or a tuple for several outputs."""
        values = [self._input(x, spec) for x, spec in zip(inputs, self.graph.inputs)]
        outputs = evaluate(self.graph, *values, constants={**self.integers, **self.trainable, **self.fixed})
        return outputs[0] if len(outputs) == 1 else outputs

    def extra_repr(self):
        return self.graph.summary()
