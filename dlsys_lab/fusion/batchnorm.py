"""Folding an eval-mode BatchNorm into the Conv2d or Linear before it: the normalization is an affine map per
channel, y = (z - mean) * gamma / sqrt(var + eps) + beta, so it merges into the layer's weight and bias:
w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps). One layer then does the work of two.
"""
from __future__ import annotations

import numpy as np

from ..nn import BatchNorm1d, BatchNorm2d, Conv2d, Linear
from ..nn.module import Module


def fold(layer: Module, norm: BatchNorm1d) -> Module:
    """A new Conv2d or Linear computing norm(layer(x)) with norm's running statistics (eval mode)."""
    scale = 1.0 / np.sqrt(norm.running_var.numpy().astype(np.float64) + norm.eps)
    if norm.weight is not None:
        scale = scale * norm.weight.numpy()
    shift = -norm.running_mean.numpy() * scale + (0.0 if norm.bias is None else norm.bias.numpy())
    weight = layer.weight.numpy()
    bias = shift if layer.bias is None else layer.bias.numpy() * scale + shift
    device, dtype = layer.weight.device, layer.weight.dtype
    if isinstance(layer, Conv2d):
        folded = Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                        device=device, dtype=dtype)
    else:
        folded = Linear(layer.in_features, layer.out_features, device=device, dtype=dtype)
    folded.load_state_dict({"weight": (weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))).astype(dtype),
                            "bias": bias.astype(dtype)})
    return folded.train(False)


FOLDABLE = {Conv2d: BatchNorm2d, Linear: BatchNorm1d}  # (exact types: BatchNorm2d is a BatchNorm1d)


def foldable(layer: Module, norm: Module) -> bool:
    """Whether norm, right after layer, folds into it: the matching BatchNorm, in eval mode."""
    return FOLDABLE.get(type(layer)) is type(norm) and not norm.training
