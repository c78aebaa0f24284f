"""Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), as in torch.

m and v are bias-corrected moving averages of the gradient and its square.
"""
from __future__ import annotations

import math

from .optimizer import Optimizer


def _moving_average(nd, average, value, beta: float):
    """beta * average + (1 - beta) * value, with the average starting at zero (updated in place after the first)."""
    # BEGIN LAB lab03_nn _moving_average
    scaled = nd.mul(value, 1.0 - beta)
    if average is None:
        return scaled
    nd.inplace("mul", average, beta)
    nd.inplace("add", average, scaled)
    return average
    # END LAB lab03_nn


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0), matching torch.optim.Adam."""

    decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = tuple(betas), eps, weight_decay

    def update(self, nd, weight, grad, state):
        # BEGIN LAB lab03_nn Adam.update
        beta1, beta2 = self.betas
        if self.weight_decay and self.decoupled:
            weight = nd.mul(weight, 1.0 - self.lr * self.weight_decay)
        elif self.weight_decay:
            grad = nd.add(grad, nd.mul(weight, self.weight_decay))
        t = state["t"] = state.get("t", 0) + 1
        m = state["m"] = _moving_average(nd, state.get("m"), grad, beta1)
        v = state["v"] = _moving_average(nd, state.get("v"), nd.mul(grad, grad), beta2)
        step_size = self.lr / (1.0 - beta1 ** t)
        denom = nd.add(nd.div(nd.sqrt(v), math.sqrt(1.0 - beta2 ** t)), self.eps)
        return nd.sub(weight, nd.mul(nd.div(m, denom), step_size))
        # END LAB lab03_nn


class AdamW(Adam):
    """Adam with decoupled weight decay (w *= 1 - lr * weight_decay before the step), matching torch.optim.AdamW."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
