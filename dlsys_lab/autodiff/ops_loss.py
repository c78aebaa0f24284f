"""Fused softmax cross-entropy: one op with its own gradient, softmax(logits) - one_hot(labels).

The gradient is built from Tensor ops, so the loss also has second derivatives.
"""
from __future__ import annotations

import numpy as np

from .op import Op
from .ops_elementwise import constant
from .ops_reduce import logsumexp
from .tensor import Tensor


def one_hot(labels, num_classes: int, like: Tensor) -> Tensor:
    """Integer class labels (a Tensor, array or list) as a constant one-hot Tensor on like's device."""
    values = labels.numpy() if isinstance(labels, Tensor) else np.asarray(labels)
    as_int = values.astype(np.int64)
    if values.ndim != 1 or np.any(as_int != values) or np.any(as_int < 0) or np.any(as_int >= num_classes):
        raise ValueError(f"labels must be a 1-d array of integers in [0, {num_classes}), "
                         f"got shape {values.shape} with values {np.unique(values)[:5]}")
    dense = np.zeros((len(as_int), num_classes), dtype=like.dtype)
    dense[np.arange(len(as_int)), as_int] = 1.0
    return constant(like.backend.from_numpy(dense), like)


class SoftmaxCrossEntropy(Op):
    """mean over rows of logsumexp(logits) - logits[label]."""

    __slots__ = ("targets",)

    def __init__(self, targets: Tensor):
        self.targets = targets

    def forward(self, nd, logits):
        peak = nd.max(logits, (1,), True)
        lse = nd.add(nd.log(nd.sum(nd.exp(nd.sub(logits, peak)), (1,), True)), peak)
        picked = nd.mul(logits, self.targets.data)
        return nd.div(nd.sum(nd.sub(lse, nd.sum(picked, (1,), True)), (0, 1), False), float(nd.shape(logits)[0]))

    def backward(self, out_grad, node):
        logits = node.inputs[0]
        softmax = (logits - logsumexp(logits, 1, keepdims=True)).exp()
        return ((softmax - self.targets) * (out_grad / logits.shape[0]),)


def cross_entropy(logits: Tensor, labels) -> Tensor:
    """Mean softmax cross-entropy of (N, C) logits against N integer labels (like torch's)."""
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (N, C), got shape {logits.shape}")
    n, c = logits.shape
    targets = one_hot(labels, c, logits)
    if targets.shape[0] != n:
        raise ValueError(f"cross_entropy: logits {logits.shape} and labels ({targets.shape[0]},) differ in N")
    return SoftmaxCrossEntropy(targets)(logits)
