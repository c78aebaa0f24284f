"""Counting multiply-accumulates: what a forward pass of a model's Linear and Conv2d layers costs."""
from __future__ import annotations

import copy
import math

import numpy as np

from ..autodiff import no_grad
from ..autodiff.tensor import Tensor
from ..nn import Conv2d, Linear
from ..nn.module import Module
from ..nn.rewrite import map_modules


class _Counted(Module):
    def __init__(self, layer: Module, tally: list[int]):
        super().__init__()
        self.layer, self.tally = layer, tally

    def forward(self, x):
        y = self.layer(x)
        if isinstance(self.layer, Linear):
            self.tally.append(math.prod(x.shape[:-1]) * self.layer.in_features * self.layer.out_features)
        else:  # Conv2d: every output element sums in_channels * k * k products
            k = self.layer.kernel_size
            self.tally.append(math.prod(y.shape) * self.layer.in_channels * k * k)
        return y


def macs(model: Module, example_input) -> int:
    """Multiply-accumulates of the Linear and Conv2d layers in model(example_input)."""
    tally: list[int] = []
    counted = map_modules(model, lambda m: _Counted(copy.copy(m), tally) if isinstance(m, (Linear, Conv2d)) else None)
    x = example_input if isinstance(example_input, Tensor) else Tensor(np.asarray(example_input, np.float32),
                                                                       requires_grad=False)
    with no_grad():
        counted.eval()(x)
    return sum(tally)
