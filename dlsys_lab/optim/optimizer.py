"""The Optimizer base: a list of parameters, a learning rate, zero_grad and step.

Updates work on backend arrays directly (no graph), through the parameter's backend protocol.
"""
from __future__ import annotations

from ..autodiff.tensor import Tensor


class Optimizer:
    """Holds parameters and per-parameter state; subclasses define `update(p, grad, state)`."""

    def __init__(self, params, lr: float):
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters; pass model.parameters()")
        if lr < 0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        self.lr = lr
        self.state: dict[int, dict] = {id(p): {} for p in self.params}

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for p in self.params:
            if p.grad is not None:
                p.data = self.update(p.backend, p.data, p.grad.data, self.state[id(p)])

    def minimize(self, loss: Tensor) -> Tensor:
        """One update on `loss` (Keras's `optimizer.minimize`): zero_grad(), loss.backward(), step(); returns it."""
        self.zero_grad()
        loss.backward()
        self.step()
        return loss

    def update(self, nd, weight, grad, state: dict):
        """The new weight array, given the backend, the weight, its gradient and this parameter's state."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")
