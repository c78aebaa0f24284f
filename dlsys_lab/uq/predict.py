"""Predictive distributions of several networks: MC dropout (one network, dropout on) and deep ensembles."""
from __future__ import annotations

import numpy as np

import dlsys_lab as dl

from .arrays import softmax


def mc_dropout_predict(model, x, n_samples: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(mean probabilities, per-sample probabilities (n_samples, n, classes)) with only Dropout in train mode."""
    from dlsys_lab import nn

    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    if not dropouts:
        raise ValueError("mc_dropout_predict needs a model with at least one nn.Dropout layer")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    inputs = dl.Tensor(np.asarray(x, np.float32), requires_grad=False)
    saved_rngs = [m.rng for m in dropouts]
    rng = np.random.default_rng(seed)
    model.eval()
    try:
        for m in dropouts:
            m.train()
            m.rng = rng
        with dl.no_grad():
            samples = np.stack([softmax(model(inputs).numpy()) for _ in range(n_samples)])
    finally:
        for m, saved in zip(dropouts, saved_rngs):
            m.rng = saved
        model.train()
    return samples.mean(axis=0), samples


def ensemble_predict(models, x) -> tuple[np.ndarray, np.ndarray]:
    """(mean of the members' softmax probabilities, members' probabilities (k, n, classes)), in eval mode."""
    from .fit import predict_logits

    models = list(models)
    if not models:
        raise ValueError("ensemble_predict needs at least one model")
    members = np.stack([softmax(predict_logits(model, x)) for model in models])
    return members.mean(axis=0), members
