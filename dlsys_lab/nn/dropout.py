"""Dropout: zero each element with probability p while training and scale the rest by 1 / (1 - p).

The mask comes from nn.init's shared generator (seed it with dl.nn.init.manual_seed) or a given rng.
"""
from __future__ import annotations

from ..autodiff.ops_elementwise import constant
from ..autodiff.tensor import Tensor
from . import init
from .module import Module


class Dropout(Module):
    """Inverted dropout; the identity in eval mode."""

    def __init__(self, p: float = 0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p, self.rng = p, rng

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN LAB lab03_nn Dropout.forward
        if not self.training or self.p == 0.0:
            return x
        keep = init.default_rng(self.rng).random(x.shape) >= self.p
        mask = (keep / (1.0 - self.p)).astype(x.dtype)
        return x * constant(x.backend.from_numpy(mask), x)
        # END LAB lab03_nn

    def extra_repr(self):
        return f"p={self.p}"
