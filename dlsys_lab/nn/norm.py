"""Normalization layers: BatchNorm1d and BatchNorm2d (batch statistics, running averages like torch) and LayerNorm.

BatchNorm1d keeps an unbiased running variance with momentum 0.1, as torch does.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tensor import Tensor
from .module import Buffer, Module, Parameter


class BatchNorm1d(Module):
    """Normalize each feature of (N, C) inputs over the batch; running stats are used in eval mode."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 device=None, dtype="float32"):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features), device, dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), device, dtype) if affine else None
        self.running_mean = Buffer(np.zeros(num_features), device, dtype)
        self.running_var = Buffer(np.ones(num_features), device, dtype)
        self.num_batches_tracked = Buffer(np.zeros(()), device, dtype)  # torch's counter (a float here)

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN LAB lab03_nn BatchNorm1d.forward
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) takes (N, {self.num_features}) inputs, got {x.shape}")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(f"BatchNorm1d needs more than one sample per batch in training, got shape {x.shape}")
            mean = x.mean(0)
            centered = x - mean
            var = (centered * centered).mean(0)
            self._update_running(mean.detach(), var.detach(), n)
        else:
            centered = x - self.running_mean
            var = self.running_var
        y = centered / (var + self.eps).sqrt()
        return y if self.weight is None else y * self.weight + self.bias
        # END LAB lab03_nn

    def _update_running(self, mean: Tensor, var: Tensor, n: int) -> None:
        # BEGIN LAB lab03_nn BatchNorm1d._update_running
        nd, m = mean.backend, self.momentum
        unbiased = nd.mul(var.data, n / (n - 1))
        self.running_mean.data = nd.add(nd.mul(self.running_mean.data, 1 - m), nd.mul(mean.data, m))
        self.running_var.data = nd.add(nd.mul(self.running_var.data, 1 - m), nd.mul(unbiased, m))
        self.num_batches_tracked.data = nd.add(self.num_batches_tracked.data, 1.0)
        # END LAB lab03_nn

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm2d(BatchNorm1d):
    """Normalize each channel of (N, C, H, W) inputs over N, H and W; running stats are used in eval mode."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm2d({self.num_features}) takes (N, {self.num_features}, H, W) inputs, "
                             f"got {x.shape}")
        n, c, h, w = x.shape
        rows = x.transpose((0, 2, 3, 1)).reshape((n * h * w, c))  # one row per pixel: BatchNorm1d's layout
        return super().forward(rows).reshape((n, h, w, c)).transpose((0, 3, 1, 2))


class LayerNorm(Module):
    """Normalize over the last axes (normalized_shape) of each sample, then scale and shift."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 device=None, dtype="float32"):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.weight = Parameter(np.ones(shape), device, dtype) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape), device, dtype) if elementwise_affine else None

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN LAB lab03_nn LayerNorm.forward
        k = len(self.normalized_shape)
        if x.shape[-k:] != self.normalized_shape:
            raise ValueError(f"LayerNorm{self.normalized_shape}: input shape {x.shape} does not end in it")
        axes = tuple(range(x.ndim - k, x.ndim))
        centered = x - x.mean(axes, keepdims=True)
        var = (centered * centered).mean(axes, keepdims=True)
        y = centered / (var + self.eps).sqrt()
        return y if self.weight is None else y * self.weight + self.bias
        # END LAB lab03_nn

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"
