"""Multi-head attention, the twin of torch.nn.MultiheadAttention(batch_first=True).

softmax(q k^T / sqrt(d_head) + mask) v per head, with torch's parameter names (in_proj_weight holds the
query, key and value projections stacked; out_proj is a Linear), so torch's state_dict loads as is.
"""
from __future__ import annotations

import math

import numpy as np

from ..autodiff.ops_elementwise import constant
from ..autodiff.tensor import Tensor
from ..autodiff.ops_softmax import softmax_fused
from . import init
from .dropout import Dropout
from .linear import Linear
from .module import Module, Parameter


def causal_mask(queries: int, keys: int) -> np.ndarray:
    """(queries, keys) additive mask: -inf where key j comes after query i (queries are the last ones)."""
    offset = keys - queries
    return np.where(np.arange(keys)[None, :] > np.arange(queries)[:, None] + offset, -np.inf, 0.0)


def _additive(mask) -> np.ndarray:
    """A mask (Tensor, torch tensor or array) as additive floats: booleans become -inf where True."""
    values = mask.numpy() if isinstance(mask, Tensor) else np.asarray(
        mask.detach().cpu().numpy() if hasattr(mask, "detach") else mask)
    return np.where(values, -np.inf, 0.0) if values.dtype == bool else values


def additive_mask(mask, like: Tensor, batch: int, heads: int, key_padding_mask=None) -> Tensor:
    """torch's attn_mask (additive floats, or booleans with True = masked; (L, S) or (B * heads, L, S)) and
    key_padding_mask ((B, S), the same kinds), as one constant Tensor on like's device that broadcasts over
    (B, heads, L, S)."""
    values = np.zeros((1, 1)) if mask is None else _additive(mask)
    if values.ndim == 3:
        if values.shape[0] != batch * heads:
            raise ValueError(f"attn_mask of shape {values.shape}: a 3-d mask needs batch * num_heads = "
                             f"{batch * heads} rows")
        values = values.reshape(batch, heads, *values.shape[1:])
    elif values.ndim != 2:
        raise ValueError(f"attn_mask must be (L, S) or (B * num_heads, L, S), got shape {values.shape}")
    if key_padding_mask is not None:
        padding = _additive(key_padding_mask)
        if padding.ndim != 2 or padding.shape[0] != batch:
            raise ValueError(f"key_padding_mask must be (B, S) = ({batch}, S), got shape {padding.shape}")
        values = values + padding[:, None, None, :]
    return constant(like.backend.from_numpy(np.ascontiguousarray(values, dtype=like.dtype)), like)


class MultiheadAttention(Module):
    """Attention with num_heads heads over batch-first (B, L, E) queries and (B, S, E) keys and values."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 device=None, dtype="float32"):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.in_proj_weight = Parameter(init.xavier_uniform((3 * embed_dim, embed_dim)), device, dtype)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim), device, dtype) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if bias:  # torch zeroes the output projection's bias
            self.out_proj.bias = Parameter(np.zeros(embed_dim), device, dtype)
        self.dropout = Dropout(dropout)

    def _heads(self, x: Tensor) -> Tensor:
        """(B, T, E) -> (B, heads, T, head_dim)."""
        b, t, _ = x.shape
        return x.reshape((b, t, self.num_heads, self.head_dim)).transpose((0, 2, 1, 3))

    def _project(self, x: Tensor, first: int, count: int) -> Tensor:
        """x through `count` of the stacked projections from `first` on (0 query, 1 key, 2 value)."""
        e = self.embed_dim
        rows = slice(first * e, (first + count) * e)
        y = x @ self.in_proj_weight[rows].transpose()
        return y if self.in_proj_bias is None else y + self.in_proj_bias[rows]

    def project_qkv(self, query: Tensor, key: Tensor, value: Tensor):
        """The per-head query, key and value, (B, heads, T, head_dim) each (one matmul for self-attention)."""
        if query is key and key is value:
            qkv = self._project(query, 0, 3)
            e = self.embed_dim
            return tuple(self._heads(qkv[:, :, i * e:(i + 1) * e]) for i in range(3))
        return self._heads(self._project(query, 0, 1)), self._heads(self._project(key, 1, 1)), \
            self._heads(self._project(value, 2, 1))

    def attend(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None):
        """Scaled dot-product attention over heads: (output (B, L, E) after out_proj, weights (B, heads, L, S))."""
        scores = (q * (1.0 / math.sqrt(self.head_dim))) @ k.transpose()  # scaling q: fewer elements than scores
        if mask is not None:
            scores = scores + mask
        weights = self.dropout(softmax_fused(scores, -1))
        out = weights @ v
        b, _, length, _ = out.shape
        return self.out_proj(out.transpose((0, 2, 1, 3)).reshape((b, length, self.embed_dim))), weights

    def forward(self, query: Tensor, key: Tensor, value: Tensor, attn_mask=None, is_causal: bool = False,
                need_weights: bool = True, key_padding_mask=None):
        """(output (B, L, E), attention weights averaged over heads (B, L, S), or None without need_weights);
        is_causal alone builds the causal mask; key_padding_mask (B, S) hides keys (True or -inf = hidden)."""
        if query.ndim != 3 or query.shape[-1] != self.embed_dim or key.shape != value.shape or \
                key.ndim != 3 or key.shape[0] != query.shape[0] or key.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention({self.embed_dim}): query (B, L, {self.embed_dim}) and key, value "
                             f"(B, S, {self.embed_dim}) expected, got {query.shape}, {key.shape}, {value.shape}")
        b, length, _ = query.shape
        if attn_mask is None and is_causal:
            attn_mask = causal_mask(length, key.shape[1])
        mask = None if attn_mask is None and key_padding_mask is None else \
            additive_mask(attn_mask, query, b, self.num_heads, key_padding_mask)
        out, weights = self.attend(*self.project_qkv(query, key, value), mask)
        return out, weights.mean(1) if need_weights else None

    def extra_repr(self):
        return f"{self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout.p}"
