"""Fake quantization for quantization-aware training: the forward pass rounds to the int8 grid and back, the
backward pass is the straight-through estimator (the gradient passes unchanged where x rounds onto the grid, and
is 0 where x was clipped), since rounding's true derivative is 0 almost everywhere.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.op import Op
from ..autodiff.ops_elementwise import constant
from ..autodiff.tensor import Tensor
from .scheme import QMAX, QMIN, QParams, dequantize_array, quantize_array


class FakeQuantize(Op):
    """x -> dequantize(quantize(x)) with the straight-through gradient."""

    __slots__ = ("qp",)

    def __init__(self, qp: QParams):
        self.qp = qp

    def forward(self, nd, x):
        array = nd.to_numpy(x)
        return nd.from_numpy(dequantize_array(quantize_array(array, self.qp), self.qp).astype(array.dtype))

    def backward(self, out_grad, node):
        x = node.inputs[0]
        scale = self.qp._along(x.ndim)[0]
        low, high = (bound.reshape(scale.shape) for bound in range_of(self.qp))
        low, high = low - scale / 2, high + scale / 2  # what rounds onto the grid is not clipped
        values = x.numpy()
        inside = ((values >= low) & (values <= high)).astype(values.dtype)
        return (out_grad * constant(x.backend.from_numpy(inside), x),)


def fake_quantize(x: Tensor, qp: QParams) -> Tensor:
    """x rounded to the int8 grid of qp and back, differentiable with the straight-through estimator."""
    return FakeQuantize(qp)(x)


def range_of(qp: QParams) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest values the grid represents (per channel for per-channel parameters)."""
    return (QMIN - qp.zero_point) * qp.scale, (QMAX - qp.zero_point) * qp.scale
