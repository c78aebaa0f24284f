"""Tracing: run a dlsys_lab model once with autodiff's op hook (and nn's module hook) on, recording each op call
through the export table (EXPORTS) into the IR.

Modules with an ONNX form of their own (Conv2d, MaxPool2d, Embedding, LayerNorm) are written as one node, so an
Embedding's tokens stay a graph input (Gather) instead of the one-hot matrix it computes from them.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..autodiff.hooks import OP_HOOK
from ..autodiff.mode import no_grad
from ..autodiff.tensor import Tensor
from ..nn.module import Module
from .emit import Emitter
from .errors import UnsupportedOpError
from .ir import Graph, Value
from .registry import EXPORTS


class Tracer:
    """`OP_HOOK.tracer` while tracing: each op and module runs as usual and is written into the emitter."""

    def __init__(self, emit: Emitter):
        self.emit = emit

    @contextmanager
    def paused(self):
        """Run without recording (inside an op, or inside a module written as one node)."""
        OP_HOOK.tracer = None
        try:
            yield
        finally:
            OP_HOOK.tracer = self

    def forward(self, op, inputs):
        """Autodiff's hook: run `op` and write it."""
        with self.paused():
            out = op(*inputs)
        writer = EXPORTS.get(type(op))
        if writer is None:
            raise UnsupportedOpError(op.name, detail=f"dlsys_lab op {op.name} has no ONNX form; "
                                     f"exportable ops: {', '.join(sorted(c.__name__ for c in EXPORTS))}")
        self.emit.bind(out, writer(self.emit, op, [self.emit.name(t) for t in inputs], inputs, out))
        return out

    def call(self, module: Module, args, kwargs):
        """nn's module hook: write a module with an ONNX form of its own as that, else trace into its forward."""
        writer = EXPORTS.get(type(module))
        traced = [a for a in args if id(a) in self.emit.names]
        if writer is None or kwargs or len(traced) != len(args):
            return module.forward(*args, **kwargs)
        with self.paused():
            out = module.forward(*args)
        name = writer(self.emit, module, [self.emit.name(a) for a in args], args, out)
        if name is None:  # no ONNX form at this opset: trace the module's own ops instead
            return module.forward(*args)
        self.emit.bind(out, name)
        return out


def _input(value, device) -> Tensor | np.ndarray:
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)  # token ids: an int64 graph input
    dtype = array.dtype.name if array.dtype.name == "float64" else "float32"
    return Tensor(array, device=device, dtype=dtype, requires_grad=False)


def _leaves(result):
    """The tensors of a model's result, depth first (an LSTM's (output, (h, c)) is three graph outputs)."""
    if isinstance(result, (tuple, list)):
        for item in result:
            yield from _leaves(item)
    else:
        yield result


def _value(name: str, value) -> Value:
    return Value(name, tuple(value.shape), value.dtype if isinstance(value, Tensor) else value.dtype.name)


def _rename(emit: Emitter, old: str, new: str) -> None:
    for node in emit.nodes:
        node.inputs = tuple(new if n == old else n for n in node.inputs)
        node.outputs = tuple(new if n == old else n for n in node.outputs)


@contextmanager
def _eval_mode(model):
    """Modules trace in eval mode (dropout off, running statistics), like torch.onnx.export; restored after."""
    modules = model.modules() if isinstance(model, Module) else []
    modes = [m.training for m in modules]
    for m in modules:
        m.training = False
    try:
        yield
    finally:
        for m, mode in zip(modules, modes):
            m.training = mode


def trace(model, example_input, opset: int = 17) -> Graph:
    """The IR of model(example_input): a Module or a function of Tensors; a tuple of inputs for several.

    Nested results become a flat list of graph outputs. Values computed outside dlsys_lab's ops (through .numpy()
    or a comparison) are constants of the graph: their example values are baked in.
    """
    if OP_HOOK.tracer is not None or OP_HOOK.profiler is not None:
        raise RuntimeError("dl.export cannot trace inside dl.profile() or another trace; leave that block first")
    examples = example_input if isinstance(example_input, tuple) else (example_input,)
    held = next(iter(model.parameters()), None) if isinstance(model, Module) else None
    inputs = [_input(x, held.device if held is not None else None) for x in examples]
    emit = Emitter(opset)
    in_names = ["input"] if len(inputs) == 1 else [f"input_{i}" for i in range(len(inputs))]
    for name, x in zip(in_names, inputs):
        emit.bind(x, name)
    if isinstance(model, Module):
        emit.labels = {id(t): name for name, t in model.named_parameters() + model.named_buffers()}
    tracer = Tracer(emit)
    with _eval_mode(model), no_grad():
        OP_HOOK.tracer = tracer
        try:
            result = model(*inputs)
        finally:
            OP_HOOK.tracer = None
    outputs = tuple(_leaves(result))
    out_names = ["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))]
    produced = {out for node in emit.nodes for out in node.outputs}
    for name, out in zip(out_names, outputs):
        current = emit.name(out)
        if current not in produced or current in out_names:  # an input or a parameter returned as it is
            current = emit.node("Identity", [current])
        _rename(emit, current, name)
    return Graph(emit.nodes, [_value(n, x) for n, x in zip(in_names, inputs)],
                 [_value(n, o) for n, o in zip(out_names, outputs)], emit.initializers, opset)
