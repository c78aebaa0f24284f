"""Stochastic gradient descent with momentum and weight decay, with torch's update rule.

buf = momentum * buf + (grad + weight_decay * w);  w -= lr * buf  (buf starts as the first gradient).
"""
from __future__ import annotations

from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD(params, lr, momentum=0, weight_decay=0), matching torch.optim.SGD (no dampening, no Nesterov)."""

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay

    def update(self, nd, weight, grad, state):
        if self.weight_decay:
            grad = nd.add(grad, nd.mul(weight, self.weight_decay))
        if self.momentum:
            buf = state.get("momentum")
            grad = grad if buf is None else nd.add(nd.mul(buf, self.momentum), grad)
            state["momentum"] = grad
        return nd.sub(weight, nd.mul(grad, self.lr))
