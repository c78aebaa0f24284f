"""Optimizers (SGD, Adam, AdamW) and learning-rate schedulers, with torch's update rules.

Usage: opt = dl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9); opt.zero_grad(); loss.backward(); opt.step(),
or opt.minimize(loss), which does those three.
"""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LRScheduler", "StepLR", "CosineAnnealingLR"]
