"""Reductions: sum, mean, max and a fused, numerically stable logsumexp.

`sum_to_shape` is where the engine undoes broadcasting.
"""
from __future__ import annotations

from ..nd.shapes import keepdims_shape, normalize_axes
from .autocast import float32_input
from .op import Op
from .ops_elementwise import constant
from .tensor import Tensor


def grad_to_input(out_grad: Tensor, node: Tensor, axes, keepdims) -> Tensor:
    """The gradient of a reduction over `axes` of node's input: out_grad copied back over the reduced axes.

    out_grad has the reduction's output shape (the reduced axes dropped unless keepdims); the result has the
    input's shape.
    """
    # BEGIN LAB lab02_autodiff grad_to_input
    in_shape = node.inputs[0].shape
    if not keepdims and out_grad.ndim:  # a 0-d gradient broadcasts as it is
        out_grad = out_grad.reshape(keepdims_shape(in_shape, axes))
    return out_grad.broadcast_to(in_shape)
    # END LAB lab02_autodiff


class Summation(Op):
    __slots__ = ("axes", "keepdims")

    def __init__(self, axes: tuple[int, ...], keepdims: bool):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, nd, a):
        return nd.sum(a, self.axes, self.keepdims)

    def backward(self, out_grad, node):
        return (grad_to_input(out_grad, node, self.axes, self.keepdims),)


class Max(Op):
    """Maximum over axes; tied maxima share the gradient equally (like torch.amax)."""

    __slots__ = ("axes", "keepdims")

    def __init__(self, axes: tuple[int, ...], keepdims: bool):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, nd, a):
        return nd.max(a, self.axes, self.keepdims)

    def backward(self, out_grad, node):
        a = node.inputs[0]
        nd = a.backend
        peak = nd.max(a.data, self.axes, True)
        is_max = nd.eq(a.data, nd.broadcast_to(peak, a.shape))
        share = nd.div(is_max, nd.sum(is_max, self.axes, True))
        return (grad_to_input(out_grad, node, self.axes, self.keepdims) * constant(share, a),)


class LogSumExp(Op):
    """log(sum(exp(a))) over axes, computed as max + log(sum(exp(a - max))) so it cannot overflow."""

    __slots__ = ("axes", "keepdims")

    def __init__(self, axes: tuple[int, ...], keepdims: bool):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, nd, a):
        peak = nd.max(a, self.axes, True)
        shifted = nd.exp(nd.sub(a, peak))
        out = nd.add(nd.log(nd.sum(shifted, self.axes, True)), peak)
        if self.keepdims:
            return out
        return nd.reshape(out, tuple(n for i, n in enumerate(nd.shape(a)) if i not in self.axes))

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff LogSumExp.backward
        a = node.inputs[0]
        lse = node if self.keepdims else node.reshape(keepdims_shape(a.shape, self.axes))
        softmax = (a - lse).exp()  # the derivative of logsumexp, built from ops so it differentiates again
        return (grad_to_input(out_grad, node, self.axes, self.keepdims) * softmax,)
        # END LAB lab02_autodiff


def summation(a: Tensor, axes=None, keepdims: bool = False) -> Tensor:
    """Sum over axes (None: all)."""
    return Summation(normalize_axes(axes, a.ndim, "sum"), keepdims)(a)


def mean(a: Tensor, axes=None, keepdims: bool = False) -> Tensor:
    """Mean over axes (None: all)."""
    shape = a.shape
    axes = normalize_axes(axes, len(shape), "mean")
    count = 1
    for axis in axes:
        count *= shape[axis]
    return Summation(axes, keepdims)(a) / count


def reduce_max(a: Tensor, axes=None, keepdims: bool = False) -> Tensor:
    """The largest entry over axes (None: all): a max-reduction, not the elementwise maximum of two arrays."""
    return Max(normalize_axes(axes, a.ndim, "max"), keepdims)(a)


def logsumexp(a: Tensor, axes=None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over axes, stable for large inputs (in float32 under dl.amp.autocast)."""
    a = float32_input(a)
    return LogSumExp(normalize_axes(axes, a.ndim, "logsumexp"), keepdims)(a)


def sum_to_shape(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back to `shape` (the one place broadcasting is undone)."""
    g_shape = grad.shape
    lead = len(g_shape) - len(shape)
    if lead < 0:
        raise ValueError(f"cannot sum a gradient of shape {g_shape} back to the larger shape {shape}")
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    if axes:
        grad = Summation(axes, False)(grad)
    return grad if grad.shape == shape else grad.reshape(shape)
