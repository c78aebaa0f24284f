"""Gradient checkpointing: keep a segment's inputs, drop its intermediates, recompute them in backward.

`checkpoint(fn, *args)` is one node of the graph whose backward reruns `fn` (with the same random
numbers for dropout) and backpropagates through the rerun; `checkpoint_sequential` cuts a stack of
layers into segments, and `sqrt_segments(n)` picks the classic sqrt(n) of them.
"""
from __future__ import annotations

import copy
import math

from ..autodiff.graph import propagate, topological_order
from ..autodiff.mode import GRAD_MODE, enable_grad
from ..autodiff.op import Op
from ..autodiff.tensor import Tensor, make_tensor
from . import init
from .dropout import Dropout
from .module import Module


class _RandomState:
    """Copies of the generators dropout draws from, to replay the same masks in the recomputation."""

    def __init__(self, modules):
        self.shared = copy.deepcopy(init._generator[0])
        self.own = [(m, copy.deepcopy(m.rng)) for m in modules if isinstance(m, Dropout) and m.rng is not None]

    def __enter__(self):
        self.saved = (init._generator[0], [(m, m.rng) for m, _ in self.own])
        init._generator[0] = copy.deepcopy(self.shared)
        for m, rng in self.own:
            m.rng = copy.deepcopy(rng)

    def __exit__(self, *exc):
        init._generator[0] = self.saved[0]
        for m, rng in self.saved[1]:
            m.rng = rng
        return False


class Checkpoint(Op):
    """The node of one checkpointed call: inputs are fn's tensor arguments, then the leaves fn read."""

    __slots__ = ("fn", "args", "n_args", "random")

    def __init__(self, fn, args, n_args, random):
        self.fn, self.args, self.n_args, self.random = fn, args, n_args, random

    def _call(self, tensors):
        it = iter(tensors)
        return self.fn(*[next(it) if isinstance(a, Tensor) else a for a in self.args])

    def backward(self, out_grad, node):
        create_graph = GRAD_MODE.enabled  # the engine records backward's ops only for create_graph
        with self.random, enable_grad():
            out = self._call(node.inputs[:self.n_args])
        wanted = [t for t in node.inputs if t.requires_grad]  # backprop through the rerun stops at them
        grads = iter(propagate(out, out_grad, create_graph, wrt=wanted))
        return [next(grads) if t.requires_grad else None for t in node.inputs]


def checkpoint(fn, *args, modules=()):
    """fn(*args), keeping only the inputs for backward: intermediates are recomputed when gradients flow.

    Dropout inside fn draws the same masks again (its generators are replayed); pass `modules`
    (or make fn a Module) so that dropouts with their own rng are found. fn must return one Tensor.
    Like torch's, the rerun repeats side effects: a BatchNorm inside updates its running statistics twice.
    """
    if isinstance(fn, Module):
        modules = list(modules) + fn.modules()
    elif isinstance(getattr(fn, "__self__", None), Module):
        modules = list(modules) + fn.__self__.modules()
    if not GRAD_MODE.enabled:
        return fn(*args)
    random = _RandomState(modules)
    tensors = [a for a in args if isinstance(a, Tensor)]
    out = fn(*args)  # the segment's graph lives only until its leaves are known
    if not isinstance(out, Tensor):
        raise TypeError(f"checkpoint: fn must return one Tensor, got {type(out).__name__}")
    if not out.requires_grad:
        return out
    given = {id(t) for t in tensors}
    leaves = [t for t in topological_order(out) if t.op is None and id(t) not in given]
    op = Checkpoint(fn, args, len(tensors), random)
    return make_tensor(out.data, out.backend, out.device, op, tuple(tensors + leaves), True)


def segment_bounds(n: int, segments: int) -> list[tuple[int, int]]:
    """[start, stop) of `segments` consecutive pieces of n layers, sizes differing by at most one (longer first)."""
    if n < 1 or not 1 <= segments <= n:
        raise ValueError(f"segments must be between 1 and the number of layers ({n}), got {segments}")
    size, extra = divmod(n, segments)
    bounds, start = [], 0
    for i in range(segments):
        stop = start + size + (i < extra)
        bounds.append((start, stop))
        start = stop
    return bounds


def sqrt_segments(n: int) -> int:
    """The classic choice for n layers: about sqrt(n) segments, so memory grows like sqrt(n)."""
    return max(1, min(n, round(math.sqrt(n))))


def checkpoint_sequential(layers, segments: int, x: Tensor) -> Tensor:
    """Run `layers` (a Sequential or a list of modules) on x in `segments` checkpointed pieces.

    Unlike torch, the last piece is checkpointed too: our engine holds every node of the graph until
    backward returns, so a plain last piece would keep its activations alive through the whole backward.
    """
    layers = list(layers.layers if hasattr(layers, "layers") else layers)
    for start, stop in segment_bounds(len(layers), segments):
        piece = layers[start:stop]
        x = checkpoint(_Run(piece), x, modules=[m for layer in piece for m in layer.modules()])
    return x


class _Run:
    """Calls a list of modules one after another (a picklable, named stand-in for a lambda)."""

    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
