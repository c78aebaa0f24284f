"""scikit-learn's bundled 8x8 digits (1797 images, no download): the one place the course loads them
(`digit_images`), and a fixed train/test split of them (`digits`).

The split: a permutation from np.random.default_rng(0); the first 360 images are the test set.
"""
from __future__ import annotations

import numpy as np

from .dataset import TensorDataset

TEST_SIZE = 360
SPLIT_SEED = 0


def digit_images(flatten: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images in scikit-learn's order, float32 scaled to [0, 1], as (n, 64) (or (n, 1, 8, 8)), and
    their int64 labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    images = images.reshape(len(images), 64) if flatten else images[:, None]
    return images, bunch.target.astype(np.int64)


def digits(flatten: bool = True) -> tuple[TensorDataset, TensorDataset]:
    """(train, test): 1437 and 360 images scaled to [0, 1], as (n, 64) (or (n, 1, 8, 8)) with int labels."""
    images, labels = digit_images(flatten)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return TensorDataset(images[train], labels[train]), TensorDataset(images[test], labels[test])
