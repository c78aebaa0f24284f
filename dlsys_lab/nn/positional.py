"""Position information for sequence models: the fixed sinusoidal encoding of "Attention Is All You Need"
and a learned table of position vectors; both add to token embeddings of shape (B, T, d_model).
"""
from __future__ import annotations

import numpy as np

from ..autodiff.ops_elementwise import constant
from ..autodiff.tensor import Tensor
from . import init
from .module import Buffer, Module, Parameter


def sinusoidal_table(max_len: int, d_model: int) -> np.ndarray:
    """(max_len, d_model): sin(pos / 10000^(2i/d)) in even columns, cos in odd ones."""
    positions = np.arange(max_len)[:, None]
    rates = np.exp(-np.log(10000.0) * np.arange(0, d_model, 2) / d_model)
    table = np.zeros((max_len, d_model))
    table[:, 0::2] = np.sin(positions * rates)
    table[:, 1::2] = np.cos(positions * rates[: d_model // 2])
    return table


def _check_length(x: Tensor, max_len: int, name: str) -> int:
    if x.ndim != 3 or x.shape[1] > max_len:
        raise ValueError(f"{name}: takes (B, T, d_model) inputs with T <= max_len = {max_len}, got {x.shape}")
    return x.shape[1]


class SinusoidalPositionalEncoding(Module):
    """x + the fixed sinusoidal table's first T rows, for x of shape (B, T, d_model); `offset` shifts positions."""

    def __init__(self, d_model: int, max_len: int = 512, device=None, dtype="float32"):
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.table = Buffer(sinusoidal_table(max_len, d_model), device, dtype)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        length = _check_length(x, self.max_len - offset, "SinusoidalPositionalEncoding")
        return x + constant(self.table.data, x)[offset:offset + length]

    def extra_repr(self):
        return f"{self.d_model}, max_len={self.max_len}"


class LearnedPositionalEmbedding(Module):
    """x + a trained vector per position (weight (max_len, d_model), N(0, 1) like nn.Embedding)."""

    def __init__(self, max_len: int, d_model: int, device=None, dtype="float32"):
        super().__init__()
        self.max_len, self.d_model = max_len, d_model
        self.weight = Parameter(init.normal((max_len, d_model)), device, dtype)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        length = _check_length(x, self.max_len - offset, "LearnedPositionalEmbedding")
        return x + self.weight[offset:offset + length]

    def extra_repr(self):
        return f"{self.max_len}, {self.d_model}"
