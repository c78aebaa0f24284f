"""The objective of the week-10 experiment: validation error of a dlsys_lab MLP on digits after `budget` epochs.

DigitsObjective trains for real; Surrogate is a cheap analytic stand-in with the same shape (fast mode, tests).
Both give curve(config, max_budget), the errors after each epoch of one run, so Optuna can prune mid-run;
curve(config, b)[-1] equals objective(config, b).
"""
from __future__ import annotations

import hashlib
import json
import math

import numpy as np


class DigitsObjective:
    """Train a 64-width-10 MLP (Adam, seed fixed) on 1077 digits; the loss is the error on 360 held-out ones."""

    def __init__(self, seed: int = 0, validation: int = 360):
        from dlsys_lab.uq.shift import digits_arrays

        x, y, _, _ = digits_arrays()  # the test split stays unseen; validation comes from the training split
        order = np.random.default_rng(seed).permutation(len(x))
        self.seed = seed
        self.x_val, self.y_val = x[order[:validation]], y[order[:validation]]
        self.x_train, self.y_train = x[order[validation:]], y[order[validation:]]

    def curve(self, config: dict, max_budget) -> list[float]:
        """Validation error after each of max_budget epochs of one training run."""
        from dlsys_lab import nn
        from dlsys_lab.uq.fit import fit, predict_logits

        errors = []

        def validate(epoch, model):
            predictions = predict_logits(model, self.x_val).argmax(axis=1)
            errors.append(float(np.mean(predictions != self.y_val)))

        nn.init.manual_seed(self.seed)
        width = int(config["width"])
        model = nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))
        fit(model, self.x_train, self.y_train, int(math.ceil(max_budget)), lr=config["lr"],
            weight_decay=config["weight_decay"], batch_size=64, seed=self.seed, on_epoch=validate)
        return errors

    def __call__(self, config: dict, budget) -> float:
        """Validation error after `budget` epochs (rounded up to whole epochs), trained from scratch."""
        return self.curve(config, budget)[-1]


class Surrogate:
    """A learning-curve model: error = floor(config) + gap(config) * budget^-0.7 + seeded noise; costs microseconds."""

    def __init__(self, seed: int = 0, noise: float = 0.005):
        self.seed, self.noise = seed, noise

    def _noise(self, config: dict, epoch: int) -> float:
        key = json.dumps([self.seed, sorted(config.items()), epoch]).encode()
        value = int.from_bytes(hashlib.sha256(key).digest()[:8], "little") / 2**64
        return self.noise * (value - 0.5)

    def curve(self, config: dict, max_budget) -> list[float]:
        """Error after each epoch 1..ceil(max_budget)."""
        distance = (math.log10(config["lr"]) + 2.0) ** 2 + 0.3 * (math.log10(config["weight_decay"]) + 4.5) ** 2 / 4
        floor = 0.02 + 0.05 * distance + 0.08 / config["width"] ** 0.5
        gap = 0.6 * (1.0 + 0.5 * abs(math.log10(config["lr"]) + 1.0))
        return [min(0.9, floor + gap * epoch ** -0.7 + self._noise(config, epoch))
                for epoch in range(1, int(math.ceil(max_budget)) + 1)]

    def __call__(self, config: dict, budget) -> float:
        """Error after `budget` epochs."""
        return self.curve(config, budget)[-1]
