"""A minimal training loop for dlsys_lab models on NumPy arrays, shared by the ensembles, MC dropout and the HPO objective."""
from __future__ import annotations

import numpy as np

import dlsys_lab as dl


def fit(model, x, y, epochs: int, lr: float = 1e-2, batch_size: int = 64, seed: int = 0, loss_fn=None,
        lr_at=None, on_epoch=None, weight_decay: float = 0.0):
    """Adam on minibatches drawn with np.random.default_rng(seed); lr_at(epoch, fraction) sets the rate per step.

    on_epoch(epoch, model) runs after each epoch (snapshots, learning curves). Returns the model.
    """
    from dlsys_lab import nn, optim

    x, y = np.asarray(x, np.float32), np.asarray(y)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must hold the same positive number of samples, got {len(x)} and {len(y)}")
    rng = np.random.default_rng(seed)
    optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    steps = -(-len(x) // batch_size)
    model.train()
    for epoch in range(int(epochs)):
        order = rng.permutation(len(x))
        for step in range(steps):
            if lr_at is not None:
                optimizer.lr = lr_at(epoch, step / steps)
            batch = order[step * batch_size:(step + 1) * batch_size]
            optimizer.minimize(loss_fn(model(dl.Tensor(x[batch], requires_grad=False)), y[batch]))
        if on_epoch is not None:
            on_epoch(epoch, model)
    return model


def predict_logits(model, x, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs on x as float64, in eval mode, without building a graph."""
    model.eval()
    outputs = []
    with dl.no_grad():
        for start in range(0, len(x), batch_size):
            chunk = np.asarray(x[start:start + batch_size], np.float32)
            outputs.append(model(dl.Tensor(chunk, requires_grad=False)).numpy().astype(np.float64))
    model.train()
    return np.concatenate(outputs)
