"""Small models whose training steps the week-7 notebooks and tests capture: an MLP, a CNN and a
transformer-style block (attention written with matmul and softmax, LayerNorm, an MLP, residuals)."""
from __future__ import annotations

import math

import numpy as np

from .. import nn, ops, optim
from ..autodiff.tensor import Tensor

KINDS = ("mlp", "cnn", "transformer")


class AttentionBlock(nn.Module):
    """One pre-norm transformer block with a single attention head, then mean pooling and a classifier."""

    def __init__(self, dim: int, hidden: int, classes: int, device=None):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, device=device), nn.LayerNorm(dim, device=device)
        self.q, self.k, self.v, self.out = (nn.Linear(dim, dim, device=device) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(dim, hidden, device=device), nn.ReLU(),
                                 nn.Linear(hidden, dim, device=device))
        self.head = nn.Linear(dim, classes, device=device)

    def forward(self, x: Tensor) -> Tensor:
        h = self.norm1(x)
        scores = self.q(h) @ self.k(h).transpose() * (1.0 / math.sqrt(x.shape[-1]))
        x = x + self.out(ops.softmax(scores, axis=-1) @ self.v(h))
        x = x + self.mlp(self.norm2(x))
        return self.head(x.mean(axes=1))


def model_and_batch(kind: str, batch: int = 8, device="numpy", seed: int = 0):
    """(model, inputs, integer labels) of one of KINDS, seeded."""
    nn.init.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(64, 128, device=device), nn.ReLU(), nn.Linear(128, 128, device=device),
                              nn.ReLU(), nn.Linear(128, 10, device=device))
        x = rng.standard_normal((batch, 64))
    elif kind == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, device=device), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(8, 16, 3, padding=1, device=device), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(16 * 2 * 2, 10, device=device))
        x = rng.standard_normal((batch, 1, 8, 8))
    elif kind == "transformer":
        model = AttentionBlock(32, 64, 10, device=device)
        x = rng.standard_normal((batch, 16, 32))
    else:
        raise ValueError(f"unknown model kind {kind!r}; kinds are: {', '.join(KINDS)}")
    return model, Tensor(x, device=device, requires_grad=False), rng.integers(0, 10, batch)


def training_step(kind: str, batch: int = 8, device="numpy", optimizer: str = "sgd"):
    """A function running one training step (forward, loss, backward, optimizer update) of a KINDS model."""
    model, x, y = model_and_batch(kind, batch, device)
    params = model.parameters()
    opt = optim.Adam(params, lr=1e-3) if optimizer == "adam" else optim.SGD(params, lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    return lambda: opt.minimize(loss_fn(model(x), y))
