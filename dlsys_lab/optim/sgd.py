"""Stochastic gradient descent with momentum and weight decay, with torch's update rule.

buf = momentum * buf + (grad + weight_decay * w);  w -= lr * buf  (buf starts as the first gradient).
The momentum buffer is the optimizer's own, so it is updated in place: no new array per step.
"""
from __future__ import annotations

from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD(params, lr, momentum=0, weight_decay=0), matching torch.optim.SGD (no dampening, no Nesterov)."""

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay

    def update(self, nd, weight, grad, state):
        # BEGIN LAB lab03_nn SGD.update
        if self.weight_decay:
            grad = nd.add(grad, nd.mul(weight, self.weight_decay))
        if self.momentum:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = nd.mul(grad, 1.0)  # a copy the next steps may overwrite
            else:
                nd.inplace("mul", buf, self.momentum)
                nd.inplace("add", buf, grad)
            grad = buf
        return nd.sub(weight, nd.mul(grad, self.lr))
        # END LAB lab03_nn
