"""Week 1: softmax regression and a two-layer ReLU MLP in plain NumPy, gradients written by hand.

These are the pieces graded lab 1 asks students to write (same names, same signatures). The lab session of
week 1 trains its NumPy column with them; in the student edition they run the student's own lab 1 code.
Params of the MLP are a dict of float64 arrays: W1 (in, hidden), b1 (hidden,), W2 (hidden, out), b2 (out,).
"""
from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of an (n, k) array of logits, stable for logits in the thousands."""
    # BEGIN LAB lab01_models softmax
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=1, keepdims=True)
    # END LAB lab01_models


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean softmax cross-entropy of (n, k) logits against n integer labels, as a float."""
    # BEGIN LAB lab01_models cross_entropy
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())
    # END LAB lab01_models


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of cross_entropy(logits, labels) with respect to the logits, shape (n, k)."""
    # BEGIN LAB lab01_models cross_entropy_grad
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1.0
    return grad / len(labels)
    # END LAB lab01_models


def sgd_epoch(W, b, X, y, lr, batch_size):
    """One epoch of minibatch SGD on softmax regression (logits = X @ W + b); returns the new (W, b)."""
    # BEGIN LAB lab01_models sgd_epoch
    W, b = W.copy(), b.copy()
    for start in range(0, len(X), batch_size):
        xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        grad = cross_entropy_grad(xb @ W + b, yb)
        W -= lr * xb.T @ grad
        b -= lr * grad.sum(axis=0)
    return W, b
    # END LAB lab01_models


def mlp_forward(params: dict, X: np.ndarray) -> np.ndarray:
    """Logits of the two-layer MLP: relu(X @ W1 + b1) @ W2 + b2."""
    # BEGIN LAB lab01_models mlp_forward
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    return hidden @ params["W2"] + params["b2"]
    # END LAB lab01_models


def mlp_backward(params: dict, X: np.ndarray, y: np.ndarray) -> dict:
    """Gradients of the mean cross-entropy of mlp_forward(params, X) for each parameter, as a dict."""
    # BEGIN LAB lab01_models mlp_backward
    pre = X @ params["W1"] + params["b1"]
    hidden = np.maximum(pre, 0.0)
    d_logits = cross_entropy_grad(hidden @ params["W2"] + params["b2"], y)
    d_pre = (d_logits @ params["W2"].T) * (pre > 0)
    return {"W1": X.T @ d_pre, "b1": d_pre.sum(axis=0), "W2": hidden.T @ d_logits, "b2": d_logits.sum(axis=0)}
    # END LAB lab01_models
