"""Initializers (uniform, normal, Xavier/Glorot, Kaiming/He) returning NumPy arrays, and the seed they share.

Fans follow torch: for shape (out, in, *kernel), fan_in = in * prod(kernel), fan_out = out * prod(kernel).
"""
from __future__ import annotations

import math

import numpy as np

_generator = [np.random.default_rng()]


def manual_seed(seed: int) -> None:
    """Seed the generator that initializers and Dropout use when given no `rng`."""
    _generator[0] = np.random.default_rng(seed)


def default_rng(rng: np.random.Generator | None = None) -> np.random.Generator:
    """`rng` if given, else the shared generator seeded by manual_seed."""
    return rng if rng is not None else _generator[0]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of `shape`, like torch."""
    if len(shape) < 2:
        raise ValueError(f"fan_in/fan_out need a weight with at least 2 axes, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str = "relu", a: float = 0.0) -> float:
    """The recommended scale for weights feeding `nonlinearity` ('linear', 'tanh', 'relu', 'leaky_relu')."""
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0),
             "leaky_relu": math.sqrt(2.0 / (1 + a * a))}
    if nonlinearity not in gains:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; known: {', '.join(gains)}")
    return gains[nonlinearity]


def uniform(shape, low: float, high: float, rng=None) -> np.ndarray:
    """Samples from U(low, high)."""
    return default_rng(rng).uniform(low, high, size=shape)


def normal(shape, std: float = 1.0, rng=None) -> np.ndarray:
    """Samples from N(0, std^2)."""
    return default_rng(rng).normal(0.0, std, size=shape)


def xavier_uniform(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -bound, bound, rng)


def xavier_normal(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot normal: N(0, gain^2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return normal(shape, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform(shape, a: float = 0.0, nonlinearity: str = "leaky_relu", rng=None) -> np.ndarray:
    """He uniform over fan_in: U(-b, b) with b = gain * sqrt(3 / fan_in); a = sqrt(5) gives torch's Linear default."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fans(shape)[0])
    return uniform(shape, -bound, bound, rng)


def kaiming_normal(shape, a: float = 0.0, nonlinearity: str = "leaky_relu", rng=None) -> np.ndarray:
    """He normal over fan_in: N(0, gain^2 / fan_in)."""
    return normal(shape, calculate_gain(nonlinearity, a) / math.sqrt(fans(shape)[0]), rng)
