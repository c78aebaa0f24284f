"""Losses: CrossEntropyLoss (fused softmax + negative log-likelihood) and MSELoss.

Both average over the batch, like torch's defaults.
"""
from __future__ import annotations

from ..autodiff.autocast import float32_input
from ..autodiff.ops_elementwise import as_tensor
from ..autodiff.ops_loss import cross_entropy
from ..autodiff.tensor import Tensor
from .module import Module


class CrossEntropyLoss(Module):
    """Mean cross-entropy of (N, C) logits against integer labels (float/int Tensor, array or list)."""

    def forward(self, logits: Tensor, labels) -> Tensor:
        return cross_entropy(logits, labels)


class MSELoss(Module):
    """Mean squared error between prediction and target of the same shape."""

    def forward(self, prediction: Tensor, target) -> Tensor:
        prediction = float32_input(prediction)  # under dl.amp.autocast the loss runs in float32
        target = as_tensor(target, prediction)
        if prediction.shape != target.shape:
            raise ValueError(f"MSELoss: prediction {prediction.shape} and target {target.shape} differ in shape")
        diff = prediction - target
        return (diff * diff).mean()
