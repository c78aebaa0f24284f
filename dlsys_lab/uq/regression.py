"""The x^3 toy regression (Hernandez-Lobato & Adams 2015): aleatoric noise from Gaussian heads, epistemic from ensembles.

Each network predicts a mean and a log-variance and is trained on the Gaussian NLL; an ensemble's spread of
means is what it does not know (epistemic), the mean of its variances is the noise in the data (aleatoric).
"""
from __future__ import annotations

import numpy as np

import dlsys_lab as dl


def cubic_data(n: int = 20, noise_std: float = 3.0, low: float = -4.0, high: float = 4.0, seed: int = 0):
    """(x (n, 1), y (n, 1)): x uniform in [low, high], y = x^3 + N(0, noise_std^2), float32."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, (n, 1))
    return x.astype(np.float32), (x ** 3 + rng.normal(0.0, noise_std, (n, 1))).astype(np.float32)


def make_gaussian_mlp(hidden: int = 64):
    """1 -> hidden -> hidden -> 2 (mean, log-variance) with ReLUs."""
    from dlsys_lab import nn

    return nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2))


def gaussian_nll(output, target):
    """Mean of 0.5 (log var + (y - mean)^2 / var) over the batch; output[:, 0] is the mean, output[:, 1] log var."""
    target = dl.Tensor(np.asarray(target, np.float32).reshape(-1, 1), requires_grad=False)
    mean, log_var = output[:, 0:1], output[:, 1:2]
    return ((log_var + (target - mean) ** 2 * (-log_var).exp()) * 0.5).mean()


def fit_gaussian_ensemble(x, y, members: int = 5, epochs: int = 400, lr: float = 1e-2, seed: int = 0):
    """Train `members` Gaussian MLPs from different seeds on standardized targets; returns (models, y_mean, y_std)."""
    from dlsys_lab import nn

    from .fit import fit

    y_mean, y_std = float(np.mean(y)), float(np.std(y))
    models = []
    for k in range(members):
        nn.init.manual_seed(seed + k)
        model = make_gaussian_mlp()
        models.append(fit(model, x, (y - y_mean) / y_std, epochs, lr=lr, batch_size=len(x), seed=seed + k,
                          loss_fn=gaussian_nll))
    return models, y_mean, y_std


def predict_gaussian_ensemble(models, y_mean: float, y_std: float, x) -> dict:
    """Per input: the ensemble's mean, aleatoric variance (mean of variances), epistemic variance (variance of means)."""
    from .fit import predict_logits

    outputs = np.stack([predict_logits(model, x) for model in models])
    means = outputs[..., 0] * y_std + y_mean
    variances = np.exp(outputs[..., 1]) * y_std ** 2
    aleatoric, epistemic = variances.mean(axis=0), means.var(axis=0)
    return {"mean": means.mean(axis=0), "aleatoric": aleatoric, "epistemic": epistemic,
            "total": aleatoric + epistemic, "member_means": means}
