"""Convolution and max pooling (NCHW, like torch) through im2col: a strided window view and its adjoint.

Im2Col and Col2Im are each other's backward, so conv2d differentiates to any order.
"""
from __future__ import annotations

from .op import Op
from .ops_shape import pad
from .tensor import Tensor


def _out_size(size: int, kernel: int, stride: int) -> int:
    return (size - kernel) // stride + 1


class Im2Col(Op):
    """(N, C, H, W) -> (N, Ho, Wo, C, kh, kw): every kernel window, as a strided view."""

    __slots__ = ("kh", "kw", "stride")

    def __init__(self, kh: int, kw: int, stride: int):
        self.kh, self.kw, self.stride = kh, kw, stride

    def forward(self, nd, a):
        n, c, h, w = nd.shape(a)
        ho, wo = _out_size(h, self.kh, self.stride), _out_size(w, self.kw, self.stride)
        s = self.stride
        return nd.as_strided(a, (n, ho, wo, c, self.kh, self.kw), (c * h * w, s * w, s, h * w, w, 1))

    def backward(self, out_grad, node):
        return (Col2Im(node.inputs[0].shape, self.stride)(out_grad),)


class Col2Im(Op):
    """The adjoint of Im2Col: windows (N, Ho, Wo, C, kh, kw) summed back into an (N, C, H, W) image."""

    __slots__ = ("shape", "stride")

    def __init__(self, shape, stride: int):
        self.shape, self.stride = shape, stride

    def forward(self, nd, cols):
        _, ho, wo, _, kh, kw = nd.shape(cols)
        s = self.stride
        out = nd.full(self.shape, 0.0, nd.dtype(cols))
        for i in range(kh):
            for j in range(kw):
                window = (slice(None), slice(None), slice(i, i + s * (ho - 1) + 1, s), slice(j, j + s * (wo - 1) + 1, s))
                block = nd.permute(nd.getitem(cols, (slice(None),) * 4 + (i, j)), (0, 3, 1, 2))
                nd.setitem(out, window, nd.add(nd.getitem(out, window), block))
        return out

    def backward(self, out_grad, node):
        _, _, _, _, kh, kw = node.inputs[0].shape
        return (Im2Col(kh, kw, self.stride)(out_grad),)


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def conv2d(x: Tensor, weight: Tensor, stride: int = 1, padding: int = 0) -> Tensor:
    """2-d cross-correlation like torch's conv2d: x (N, C, H, W), weight (O, C, kh, kw) -> (N, O, Ho, Wo)."""
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input {x.shape} (N, C, H, W) and weight {weight.shape} (O, C, kh, kw) "
                         f"need 4 axes each and the same C")
    if stride < 1 or padding < 0:
        raise ValueError(f"conv2d: stride must be >= 1 and padding >= 0, got stride={stride}, padding={padding}")
    if padding:
        x = pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    if h < kh or w < kw:
        raise ValueError(f"conv2d: padded input {x.shape} is smaller than the kernel {weight.shape}")
    ho, wo = _out_size(h, kh, stride), _out_size(w, kw, stride)
    cols = Im2Col(kh, kw, stride)(x).reshape((n * ho * wo, c * kh * kw))
    out = cols @ weight.reshape((o, c * kh * kw)).transpose()
    return out.reshape((n, ho, wo, o)).transpose((0, 3, 1, 2))


def max_pool2d(x: Tensor, kernel_size, stride=None) -> Tensor:
    """Max over kernel windows of an (N, C, H, W) tensor; stride defaults to the kernel size."""
    kh, kw = _pair(kernel_size)
    stride = kh if stride is None else stride
    if x.ndim != 4 or x.shape[2] < kh or x.shape[3] < kw:
        raise ValueError(f"max_pool2d: input {x.shape} must be (N, C, H, W) and at least the kernel {(kh, kw)}")
    n, c, _, _ = x.shape
    windows = Im2Col(kh, kw, stride)(x)
    _, ho, wo, _, _, _ = windows.shape
    return windows.reshape((n, ho, wo, c, kh * kw)).max(axes=4).transpose((0, 3, 1, 2))
