"""Conv2d and MaxPool2d on NCHW tensors, like torch's.

Both go through dl.ops (im2col), so they run on every backend and differentiate to any order.
"""
from __future__ import annotations

import math

from ..autodiff.ops_conv import conv2d, max_pool2d
from ..autodiff.tensor import Tensor
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    """2-d convolution with a square kernel; weight (out, in, k, k) initialized like torch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 bias: bool = True, device=None, dtype="float32"):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = Parameter(init.kaiming_uniform(shape, a=math.sqrt(5)), device, dtype)
        bound = 1.0 / math.sqrt(init.fans(shape)[0])
        self.bias = Parameter(init.uniform((out_channels,), -bound, bound), device, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        y = conv2d(x, self.weight, self.stride, self.padding)
        return y if self.bias is None else y + self.bias.reshape((1, self.out_channels, 1, 1))

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class MaxPool2d(Module):
    """Max over kernel_size windows; stride defaults to kernel_size."""

    def __init__(self, kernel_size: int, stride: int | None = None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
