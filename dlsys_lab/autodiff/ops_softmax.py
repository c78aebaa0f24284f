"""Softmax as one op: forward max, exp, sum and divide on the backend; backward s * (g - sum(g * s)).

dl.ops.softmax composes exp and logsumexp (clear, and twice the passes over the array); attention, whose
score arrays are a Transformer's largest, uses this fused version. Masked (-inf) entries get probability 0.
"""
from __future__ import annotations

from .autocast import float32_input
from .op import Op
from .tensor import Tensor


class Softmax(Op):
    __slots__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = axis

    def forward(self, nd, a):
        exps = nd.exp(nd.sub(a, nd.max(a, (self.axis,), True)))
        return nd.div(exps, nd.sum(exps, (self.axis,), True))

    def backward(self, out_grad, node):
        weighted = (out_grad * node).sum(self.axis, keepdims=True)
        return (node * (out_grad - weighted),)


def softmax_fused(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) normalized to sum 1 along axis, in one op (the same values as dl.ops.softmax)."""
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"softmax: axis {axis} is out of range for shape {x.shape}")
    return Softmax(axis % x.ndim)(float32_input(x))  # float32 under dl.amp.autocast
