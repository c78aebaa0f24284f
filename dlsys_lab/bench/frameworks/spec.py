"""What every framework trains: the same three models, the same sizes, the same batches, the same optimizer.

Models: an MLP, a small CNN (conv 3x3 - ReLU - max-pool 2 - linear) and one pre-norm Transformer block built
from basic ops (q, k, v projections, softmax(q k^T / sqrt(d)) v, a two-layer feed-forward, mean over the
sequence, a linear classifier). Plain SGD, cross-entropy on integer labels.
"""
from __future__ import annotations

import numpy as np

MODELS = ("mlp", "cnn", "transformer")
LR = 0.01
SIZES = {
    "full": {"batch": 64, "features": 64, "hidden": 256, "classes": 10, "image": 16, "channels": 16,
             "seq": 32, "dim": 64, "ff": 128},
    "fast": {"batch": 8, "features": 16, "hidden": 32, "classes": 4, "image": 8, "channels": 4,
             "seq": 8, "dim": 16, "ff": 32},
}


def input_shape(model: str, s: dict) -> tuple[int, ...]:
    """The shape of one batch of inputs of `model` at sizes `s`."""
    if model == "mlp":
        return (s["batch"], s["features"])
    if model == "cnn":
        return (s["batch"], 1, s["image"], s["image"])
    if model == "transformer":
        return (s["batch"], s["seq"], s["dim"])
    raise ValueError(f"unknown model {model!r}; use one of {MODELS}")


def batches(model: str, s: dict, count: int = 4, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """`count` (inputs float32, labels int64) batches, identical in every worker process."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(input_shape(model, s), dtype=np.float32),
             rng.integers(0, s["classes"], s["batch"]).astype(np.int64)) for _ in range(count)]


def cnn_flat_features(s: dict) -> int:
    """Features entering the CNN's classifier: channels x (image / 2)^2 after the 2x2 max-pool."""
    return s["channels"] * (s["image"] // 2) ** 2
