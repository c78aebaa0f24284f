"""Linear (fully connected) and Flatten layers.

Linear stores its weight as (out_features, in_features), like torch, so weights copy over directly.
"""
from __future__ import annotations

import math

from ..autodiff.tensor import Tensor
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weight.T + bias, initialized like torch (U(-1/sqrt(in), 1/sqrt(in)))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype="float32"):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(init.kaiming_uniform((out_features, in_features), a=math.sqrt(5)), device, dtype)
        bound = 1.0 / math.sqrt(in_features)
        self.bias = Parameter(init.uniform((out_features,), -bound, bound), device, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN LAB lab03_nn Linear.forward
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input of shape {x.shape} "
                             f"has {x.shape[-1]} features, expected {self.in_features}")
        y = x @ self.weight.transpose()
        return y if self.bias is None else y + self.bias
        # END LAB lab03_nn

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape((x.shape[0], -1))
