"""The search space of the week-10 experiment, defined once for our searches (rng) and for Optuna (trial.suggest_*)."""
from __future__ import annotations

import math

# name: (kind, low, high); "log" draws uniformly in log space, "int" is a power of two between low and high.
SPACE = {
    "lr": ("log", 1e-4, 0.3),
    "weight_decay": ("log", 1e-6, 1e-2),
    "width": ("pow2", 8, 128),
}


def sample_config(rng) -> dict:
    """A config drawn from SPACE with a numpy Generator."""
    config = {}
    for name, (kind, low, high) in SPACE.items():
        if kind == "log":
            config[name] = float(math.exp(rng.uniform(math.log(low), math.log(high))))
        else:
            config[name] = 2 ** int(rng.integers(int(math.log2(low)), int(math.log2(high)) + 1))
    return config


def suggest_config(trial) -> dict:
    """The same space through an Optuna trial's suggest_* calls."""
    config = {}
    for name, (kind, low, high) in SPACE.items():
        if kind == "log":
            config[name] = trial.suggest_float(name, low, high, log=True)
        else:
            config[name] = 2 ** trial.suggest_int(f"log2_{name}", int(math.log2(low)), int(math.log2(high)))
    return config
