"""The residual block of ResNet-18/34 (torchvision's BasicBlock): two 3x3 convolutions with batch norm,
added to the input (through a 1x1 convolution and batch norm when the shape changes), then ReLU.
"""
from __future__ import annotations

from ..autodiff.tensor import Tensor
from .container import Sequential
from .conv import Conv2d
from .module import Module
from .norm import BatchNorm2d


class ResidualBlock(Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); keys match torchvision's BasicBlock."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, device=None, dtype="float32"):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False, **kw)
        self.bn1 = BatchNorm2d(out_channels, **kw)
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False, **kw)
        self.bn2 = BatchNorm2d(out_channels, **kw)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = Sequential(Conv2d(in_channels, out_channels, 1, stride=stride, bias=False, **kw),
                                         BatchNorm2d(out_channels, **kw))

    def forward(self, x: Tensor) -> Tensor:
        y = self.bn2(self.conv2(self.bn1(self.conv1(x)).relu()))
        return (y + (x if self.downsample is None else self.downsample(x))).relu()
