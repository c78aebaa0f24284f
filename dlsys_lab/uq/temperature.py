"""Temperature scaling (Guo et al. 2017): one scalar T for softmax(logits / T), fitted by minimizing held-out NLL.

The NLL is convex in beta = 1 / T, so Newton's method with backtracking from beta = 1 (T = 1) finds the
optimum and never ends above the NLL it started from. T stays in [1e-4, 1e4]: an answer at a bound
means the data do not pin T down.
"""
from __future__ import annotations

import numpy as np

from .arrays import check_scores

def temperature_scale(logits, labels) -> float:
    """The temperature T minimizing the mean NLL of softmax(logits / T) on (logits, labels)."""
    logits, labels = check_scores(logits, labels, "logits")
    return float(fit_temperature(logits, labels))


def scaled_nll(logits, labels, temperature: float) -> float:
    """Mean negative log-likelihood of softmax(logits / temperature) at the labels, in float64."""
    z = np.asarray(logits, np.float64) / temperature
    top = z.max(axis=1)
    log_norm = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(labels)), labels]))


def fit_temperature(logits, labels):
    """Newton's method on beta = 1 / T with backtracking; logits (n, classes) float64, labels (n,) ints."""
    # BEGIN LAB lab10_hpo_uq fit_temperature
    z = np.asarray(logits, np.float64)
    z_label = z[np.arange(len(labels)), labels]
    beta, current = 1.0, scaled_nll(z, labels, 1.0)
    for _ in range(100):
        p = np.exp(beta * z - (beta * z).max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        mean_z = (p * z).sum(axis=1)
        gradient = np.mean(mean_z - z_label)
        curvature = np.mean((p * z * z).sum(axis=1) - mean_z ** 2)
        step = gradient / curvature if curvature > 0 else np.sign(gradient) * beta
        candidate = float(np.clip(beta - step, 1e-4, 1e4))
        while scaled_nll(z, labels, 1 / candidate) > current and abs(candidate - beta) > 1e-15 * beta:
            candidate = (candidate + beta) / 2
        if abs(candidate - beta) <= 1e-12 * beta:
            break
        beta, current = candidate, min(current, scaled_nll(z, labels, 1 / candidate))
    return 1.0 / beta
    # END LAB lab10_hpo_uq
