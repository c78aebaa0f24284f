"""Per-sample transforms on NumPy arrays: Compose, Normalize, RandomHorizontalFlip, RandomCrop.

Random transforms take a seed so augmentation is reproducible.
"""
from __future__ import annotations

import numpy as np


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x


class Normalize:
    """(x - mean) / std with scalars or per-channel values (channels first)."""

    def __init__(self, mean, std):
        self.mean, self.std = np.asarray(mean, dtype=np.float32), np.asarray(std, dtype=np.float32)

    def __call__(self, x):
        shape = self.mean.shape + (1,) * (x.ndim - self.mean.ndim)
        return (x - self.mean.reshape(shape)) / self.std.reshape(shape)


class RandomHorizontalFlip:
    """Reverse the last axis (image width) with probability p."""

    def __init__(self, p: float = 0.5, seed: int | None = None):
        self.p, self.rng = p, np.random.default_rng(seed)

    def __call__(self, x):
        return x[..., ::-1].copy() if self.rng.random() < self.p else x


class RandomCrop:
    """Zero-pad the last two axes by `padding`, then crop back to the original size at a random offset."""

    def __init__(self, padding: int, seed: int | None = None):
        self.padding, self.rng = padding, np.random.default_rng(seed)

    def __call__(self, x):
        p = self.padding
        h, w = x.shape[-2:]
        padded = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)])
        top, left = self.rng.integers(0, 2 * p + 1, size=2)
        return padded[..., top:top + h, left:left + w]
