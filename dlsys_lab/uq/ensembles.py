"""Ensembles of dlsys_lab classifiers: deep ensembles (seeds), bagging (bootstrap samples) and snapshots (one cyclic run).

Members train apart, so deep ensembles and bagging can use week 6's ensemble parallelism: one worker
process per group of members (dlsys_lab.parallel.launch), each sending back its members' weights.
"""
from __future__ import annotations

import math

import numpy as np

from .arrays import softmax
from .fit import fit, predict_logits
from .metrics import accuracy, disagreement, nll


def _train_member(make_model, x, y, seed, epochs, lr, bootstrap):
    """One member from a seeded start; with bootstrap, on n samples drawn with replacement."""
    from dlsys_lab import nn

    nn.init.manual_seed(seed)
    model = make_model()
    if bootstrap:
        rows = np.random.default_rng(10_000 + seed).integers(0, len(x), len(x))
        x, y = x[rows], y[rows]
    return fit(model, x, y, epochs, lr=lr, seed=seed)


def _member_worker(rank, world_size, make_model, x, y, seeds, epochs, lr, bootstrap):
    """Worker of launch: train the members rank, rank + world_size, ... and return their state dicts."""
    return [_train_member(make_model, x, y, seeds[i], epochs, lr, bootstrap).state_dict()
            for i in range(rank, len(seeds), world_size)]


def train_members(make_model, x, y, members: int, epochs: int, lr: float = 1e-2, bootstrap: bool = False,
                  workers: int = 1, seed: int = 0) -> list:
    """Deep ensemble (bootstrap=False) or bagging (bootstrap=True): `members` models with seeds seed, seed + 1, ..."""
    if members < 1 or workers < 1:
        raise ValueError(f"members and workers must be at least 1, got {members} and {workers}")
    x, y, seeds = np.asarray(x, np.float32), np.asarray(y), [seed + i for i in range(members)]
    if workers == 1:
        return [_train_member(make_model, x, y, s, epochs, lr, bootstrap) for s in seeds]
    from dlsys_lab.parallel import launch

    per_rank = launch(_member_worker, min(workers, members), make_model, x, y, seeds, epochs, lr, bootstrap,
                      timeout=600)
    states = [None] * members
    for rank, group in enumerate(per_rank):
        states[rank::len(per_rank)] = group
    return _models_from(make_model, states)


def _models_from(make_model, states) -> list:
    """A fresh make_model() per state dict, loaded with it."""
    models = []
    for state in states:
        model = make_model()
        model.load_state_dict(state)
        models.append(model)
    return models


def snapshot_ensemble(make_model, x, y, snapshots: int, epochs_per_cycle: int, lr: float = 2e-2, seed: int = 0):
    """Huang et al. (2017): one run, cosine learning rate restarted every cycle, a copy of the weights at each cycle's end."""
    from dlsys_lab import nn

    nn.init.manual_seed(seed)
    model, states = make_model(), []

    def rate(epoch, fraction):
        position = ((epoch % epochs_per_cycle) + fraction) / epochs_per_cycle
        return lr / 2 * (1 + math.cos(math.pi * position))

    def keep_snapshot(epoch, trained):
        if (epoch + 1) % epochs_per_cycle == 0:
            states.append(trained.state_dict())

    fit(model, x, y, snapshots * epochs_per_cycle, lr=lr, seed=seed, lr_at=rate, on_epoch=keep_snapshot)
    return _models_from(make_model, states)


def ensemble_curve(models, x, labels) -> dict:
    """Accuracy and NLL of each member and of the ensemble of the first k members (k = 1..K), and disagreement."""
    members = [softmax(predict_logits(model, x)) for model in models]
    prefix = np.cumsum(members, axis=0) / np.arange(1, len(members) + 1)[:, None, None]
    return {"member_accuracy": [accuracy(p, labels) for p in members],
            "member_nll": [nll(p, labels) for p in members],
            "ensemble_accuracy": [accuracy(p, labels) for p in prefix],
            "ensemble_nll": [nll(p, labels) for p in prefix],
            "disagreement": disagreement(members) if len(members) > 1 else 0.0}
