"""Learning-rate schedulers: StepLR and CosineAnnealingLR, stepped once per epoch like torch's.

Each sets optimizer.lr from the initial rate and the number of steps taken.
"""
from __future__ import annotations

import math

from .optimizer import Optimizer


class LRScheduler:
    """Base: remembers the initial rate; subclasses define `rate(epoch)`."""

    def __init__(self, optimizer: Optimizer):
        self.optimizer, self.base_lr, self.epoch = optimizer, optimizer.lr, 0

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate."""
        self.epoch += 1
        self.optimizer.lr = self.rate(self.epoch)

    def rate(self, epoch: int) -> float:
        """The learning rate after `epoch` steps."""
        raise NotImplementedError


class StepLR(LRScheduler):
    """Multiply the rate by gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def rate(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Anneal from the initial rate to eta_min along half a cosine over T_max epochs."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        super().__init__(optimizer)
        self.T_max, self.eta_min = T_max, eta_min

    def rate(self, epoch):
        progress = min(epoch, self.T_max) / self.T_max
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2
