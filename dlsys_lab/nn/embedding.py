"""Embedding: a lookup table of vectors indexed by integer tokens.

The lookup is one_hot(tokens) @ weight, so it runs on any backend and its gradient is a matmul.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.ops_loss import one_hot
from ..autodiff.tensor import Tensor
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """Vectors of size embedding_dim for tokens 0..num_embeddings-1, initialized N(0, 1) like torch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, device=None, dtype="float32"):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(init.normal((num_embeddings, embedding_dim)), device, dtype)

    def forward(self, tokens) -> Tensor:
        """Integer tokens of any shape (Tensor, array or list) -> (*shape, embedding_dim)."""
        values = tokens.numpy() if isinstance(tokens, Tensor) else np.asarray(tokens)
        rows = one_hot(values.reshape(-1), self.num_embeddings, self.weight)
        return (rows @ self.weight).reshape(values.shape + (self.embedding_dim,))

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
