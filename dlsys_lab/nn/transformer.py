"""The Transformer encoder layer, twin of torch.nn.TransformerEncoderLayer(batch_first=True, norm_first=True).

x + attention(norm1(x)), then x + linear2(relu(linear1(norm2(x)))), with dropout after each branch; the
attribute names are torch's, so its state_dict loads as is.
"""
from __future__ import annotations

from ..autodiff.tensor import Tensor
from .attention import MultiheadAttention, additive_mask, causal_mask
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .norm import LayerNorm


class TransformerEncoderLayer(Module):
    """A pre-norm Transformer block (self-attention, then a ReLU feed-forward) on (B, T, d_model) inputs."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.0, *,
                 layer_norm_eps: float = 1e-5, device=None, dtype="float32"):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, device=device, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, device=device, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, device=device, dtype=dtype)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, device=device, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, device=device, dtype=dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)

    def feed_forward(self, x: Tensor) -> Tensor:
        """The block's second branch, applied to the residual stream x."""
        return self.dropout2(self.linear2(self.dropout(self.linear1(self.norm2(x)).relu())))

    def forward(self, src: Tensor, src_mask=None, is_causal: bool = False) -> Tensor:
        """src (B, T, d_model) -> (B, T, d_model); src_mask as MultiheadAttention's attn_mask."""
        h = self.norm1(src)
        attn, _ = self.self_attn(h, h, h, attn_mask=src_mask, is_causal=is_causal, need_weights=False)
        x = src + self.dropout1(attn)
        return x + self.feed_forward(x)

    def forward_cached(self, x: Tensor, cache) -> Tensor:
        """Causal self-attention of new positions x (B, T_new, d) over the cached past, then append to `cache`.

        `cache` is one layer's entry of a KVCache (see dlsys_lab.models.kv_cache); outputs equal forward's
        causal outputs at these positions.
        """
        h = self.norm1(x)
        q, k, v = self.self_attn.project_qkv(h, h, h)
        keys, values = cache.append(k, v)
        new, total = x.shape[1], keys.shape[2]
        mask = additive_mask(causal_mask(new, total), x, x.shape[0], 1) if new > 1 else None
        attn, _ = self.self_attn.attend(q, keys, values, mask)
        x = x + self.dropout1(attn)
        return x + self.feed_forward(x)
