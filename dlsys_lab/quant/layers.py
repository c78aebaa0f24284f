"""Int8 layers: Linear and Conv2d with int8 weights (per-channel scales), int8 inputs (one scale from
calibration) and an int32 product; the float32 output is acc * (input scale * weight scale) + bias.

With zero points zx (input) and zw (weight, per channel), sum_k (x_k - zx)(w_k - zw) expands into the int8
product x @ w.T and three corrections, all in int32:  x @ w.T - zx * sum_k w_k - zw * sum_k x_k + K * zx * zw.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tensor import Tensor
from ..nn.module import Module
from .kernels import matmul_int8
from .scheme import QParams, quantize_array, quantize_weight


class QuantizedLayer(Module):
    """What the int8 layers share: the integer product of int8 inputs with an int8 weight (N x K)."""

    def __init__(self, weight: np.ndarray, bias, input_qp: QParams, per_channel: bool, symmetric: bool, kernel: str):
        super().__init__()
        self.weight_q, self.weight_qp = quantize_weight(weight, per_channel, symmetric)
        self.input_qp, self.kernel = input_qp, kernel
        self.bias = None if bias is None else np.asarray(bias, np.float32)
        rows = self.weight_q.reshape(len(self.weight_q), -1)
        self._rows = np.ascontiguousarray(rows)
        self._row_sums = rows.astype(np.int32).sum(axis=1, dtype=np.int32)
        self._out_scale = (input_qp.scale.astype(np.float64) * self.weight_qp.scale).astype(np.float32)
        self.eval()

    @property
    def nbytes(self) -> int:
        """Bytes of the int8 weight, its scales and zero points, the input's parameters and the float32 bias."""
        bias = 0 if self.bias is None else self.bias.nbytes
        return self.weight_q.nbytes + self.weight_qp.nbytes + self.input_qp.nbytes + bias

    def accumulate(self, xq: np.ndarray) -> np.ndarray:
        """int32 sums of (x - zx)(w - zw) for int8 input rows xq (M x K): (M x N)."""
        acc = matmul_int8(xq, self._rows, self.kernel)
        zx, zw = int(self.input_qp.zero_point), self.weight_qp.zero_point.astype(np.int32)
        if zx:
            acc -= np.int32(zx) * self._row_sums
        if zw.any():
            acc -= zw * xq.sum(axis=1, dtype=np.int32)[:, None]
            acc += np.int32(xq.shape[1] * zx) * zw
        return acc

    def affine(self, xq: np.ndarray) -> np.ndarray:
        """float32 outputs (M x N) of int8 input rows: the int32 sums rescaled, plus the bias."""
        y = self.accumulate(xq).astype(np.float32) * self._out_scale
        return y if self.bias is None else y + self.bias

    @staticmethod
    def _output(y: np.ndarray, like) -> Tensor:
        return Tensor(y, device=like.device if isinstance(like, Tensor) else None, dtype="float32",
                      requires_grad=False)

    @staticmethod
    def _array(x) -> np.ndarray:
        return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


class QuantizedLinear(QuantizedLayer):
    """An int8 nn.Linear."""

    def __init__(self, linear, input_qp: QParams, per_channel=True, symmetric=True, kernel="cpu"):
        bias = None if linear.bias is None else linear.bias.numpy()
        super().__init__(linear.weight.numpy(), bias, input_qp, per_channel, symmetric, kernel)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x):
        array = self._array(x)
        rows = quantize_array(array.reshape(-1, self.in_features), self.input_qp)
        return self._output(self.affine(rows).reshape(*array.shape[:-1], self.out_features), x)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, int8, kernel={self.kernel}"


class QuantizedConv2d(QuantizedLayer):
    """An int8 nn.Conv2d (NCHW): int8 patches (im2col) times the int8 weight."""

    def __init__(self, conv, input_qp: QParams, per_channel=True, symmetric=True, kernel="cpu"):
        bias = None if conv.bias is None else conv.bias.numpy()
        super().__init__(conv.weight.numpy(), bias, input_qp, per_channel, symmetric, kernel)
        self.out_channels, self.kernel_size = conv.out_channels, conv.kernel_size
        self.stride, self.padding = conv.stride, conv.padding

    def forward(self, x):
        xq = quantize_array(self._array(x), self.input_qp)
        p, k, s = self.padding, self.kernel_size, self.stride
        # padding holds real zeros, whose code is the zero point
        xq = np.pad(xq, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=int(self.input_qp.zero_point))
        windows = np.lib.stride_tricks.sliding_window_view(xq, (k, k), axis=(2, 3))[:, :, ::s, ::s]
        n, c, oh, ow = windows.shape[:4]
        patches = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
        y = self.affine(patches).reshape(n, oh, ow, self.out_channels).transpose(0, 3, 1, 2)
        return self._output(np.ascontiguousarray(y), x)

    def extra_repr(self):
        return f"{self.out_channels} channels, kernel_size={self.kernel_size}, int8, kernel={self.kernel}"
