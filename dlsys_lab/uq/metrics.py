"""Scores of probabilistic predictions: NLL, Brier, predictive entropy, and AUROC for out-of-distribution detection."""
from __future__ import annotations

import numpy as np

from .arrays import check_probs, to_numpy


def nll(probs, labels, eps: float = 1e-12) -> float:
    """Mean negative log-probability of the true label (probabilities clipped at eps)."""
    probs, labels = check_probs(probs, labels)
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(labels)), labels], eps, 1.0))))


def brier(probs, labels) -> float:
    """Multi-class Brier score: mean over samples of sum over classes of (p_c - [c == label])^2."""
    probs, labels = check_probs(probs, labels)
    target = np.zeros_like(probs)
    target[np.arange(len(labels)), labels] = 1.0
    return float(np.mean(np.sum((probs - target) ** 2, axis=1)))


def accuracy(probs, labels) -> float:
    """Share of samples whose most probable class is the label."""
    probs, labels = check_probs(probs, labels)
    return float(np.mean(probs.argmax(axis=1) == labels))


def predictive_entropy(probs) -> np.ndarray:
    """Entropy (nats) of each row of probs: high when the prediction is spread over classes."""
    probs = to_numpy(probs).astype(np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must have shape (n, classes), got {probs.shape}")
    return -np.sum(probs * np.log(np.clip(probs, 1e-300, 1.0)), axis=1)


def auroc(scores_in, scores_out) -> float:
    """Probability that an out-of-distribution score exceeds an in-distribution one (ties count half)."""
    scores_in, scores_out = to_numpy(scores_in).ravel(), to_numpy(scores_out).ravel()
    if len(scores_in) == 0 or len(scores_out) == 0:
        raise ValueError("auroc needs at least one in-distribution and one out-of-distribution score")
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([scores_in, scores_out]))
    out_rank_sum = ranks[len(scores_in):].sum()
    n_out = len(scores_out)
    return float((out_rank_sum - n_out * (n_out + 1) / 2) / (len(scores_in) * n_out))


def disagreement(member_probs) -> float:
    """Mean over member pairs of the share of samples on which their predicted classes differ."""
    predictions = np.stack([to_numpy(p).argmax(axis=1) for p in member_probs])
    k = len(predictions)
    if k < 2:
        raise ValueError("disagreement needs at least two members")
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    return float(np.mean([np.mean(predictions[i] != predictions[j]) for i, j in pairs]))
