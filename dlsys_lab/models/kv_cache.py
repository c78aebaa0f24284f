"""A key-value cache for autoregressive generation: each attention layer's keys and values of the positions
seen so far, in buffers preallocated to max_len, so a new token costs one query against the cache instead of
recomputing every earlier position.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.ops_elementwise import constant
from ..autodiff.tensor import Tensor


class LayerCache:
    """One layer's keys and values, (B, heads, max_len, head_dim) each; `owner.length` positions are filled."""

    def __init__(self, owner: "KVCache", keys, values):
        self.owner, self.keys, self.values = owner, keys, values

    def append(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Write the new positions' k and v (B, heads, T_new, head_dim) after the cached ones; return all of them."""
        nd, start, new = k.backend, self.owner.length, k.shape[2]
        end = start + new
        if end > self.owner.max_len:
            raise ValueError(f"KVCache holds {self.owner.max_len} positions; {start} cached + {new} new do not fit")
        everything = (slice(None), slice(None), slice(0, end))
        nd.setitem(self.keys, (slice(None), slice(None), slice(start, end)), k.data)
        nd.setitem(self.values, (slice(None), slice(None), slice(start, end)), v.data)
        return constant(nd.getitem(self.keys, everything), k), constant(nd.getitem(self.values, everything), v)


class KVCache:
    """Keys and values of every layer for a batch of sequences; call advance(T_new) after each model step."""

    def __init__(self, num_layers: int, batch: int, heads: int, head_dim: int, max_len: int, device, dtype: str):
        backend = device.backend
        shape = (batch, heads, max_len, head_dim)
        self.max_len, self.length, self.shape, self.dtype = max_len, 0, shape, dtype
        self.layers = [LayerCache(self, backend.full(shape, 0.0, dtype), backend.full(shape, 0.0, dtype))
                       for _ in range(num_layers)]

    def layer(self, i: int) -> LayerCache:
        """Layer i's cache."""
        return self.layers[i]

    def advance(self, new: int) -> None:
        """Count `new` more positions as cached (after every layer has appended them)."""
        self.length += new

    @property
    def nbytes(self) -> int:
        """Bytes the cache's buffers hold: keys and values of every layer at full max_len."""
        return 2 * len(self.layers) * int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize
