"""Checked conversions of predictions and labels (NumPy, torch or dlsys_lab tensors) to NumPy arrays."""
from __future__ import annotations

import numpy as np


def to_numpy(x) -> np.ndarray:
    """x as a NumPy array: dlsys_lab and torch tensors through .detach().numpy() / .numpy()."""
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x)


def check_scores(scores, labels, what: str = "probs") -> tuple[np.ndarray, np.ndarray]:
    """(scores (n, classes) float64, labels (n,) int64) with clear errors for shapes, NaNs and label ranges."""
    scores, labels = to_numpy(scores).astype(np.float64), to_numpy(labels)
    if scores.ndim != 2 or scores.shape[0] == 0 or scores.shape[1] < 2:
        raise ValueError(f"{what} must have shape (n, classes) with n >= 1 and classes >= 2, got {scores.shape}")
    if labels.shape != (scores.shape[0],):
        raise ValueError(f"labels must have shape ({scores.shape[0]},) to match {what}, got {labels.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{what} contain NaN or infinite values")
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError("labels must be whole numbers (class indices)")
    labels = labels.astype(np.int64)
    if labels.min() < 0 or labels.max() >= scores.shape[1]:
        raise ValueError(f"labels must be class indices in [0, {scores.shape[1]}), got {labels.min()}..{labels.max()}")
    return scores, labels


def check_probs(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    """check_scores, and each row must be a probability distribution (to 1e-4)."""
    probs, labels = check_scores(probs, labels, "probs")
    if probs.min() < -1e-6 or probs.max() > 1 + 1e-6 or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("probs must be probabilities (rows in [0, 1] summing to 1): pass softmax(logits), "
                         "or logits to temperature_scale")
    return np.clip(probs, 0.0, 1.0), labels


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of logits / temperature, in float64, stable for large logits."""
    z = to_numpy(logits).astype(np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
