"""scikit-learn's bundled 8x8 digits (1797 images, no download): the one place the course loads them
(`digit_images`), and a fixed train/test split of them (`digits`).

The split: a permutation from np.random.default_rng(0); the first 360 images are the test set.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from .dataset import TensorDataset

TEST_SIZE = 360
SPLIT_SEED = 0


def _bundled_csv() -> Path:
    """Where scikit-learn keeps the digits (digits.csv.gz: 64 pixel values 0-16 and the label per row), found
    without importing scikit-learn, whose import costs about a second in every process that loads the digits."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the digits ship with scikit-learn: pip install scikit-learn")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


def digit_images(flatten: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images in scikit-learn's order, float32 scaled to [0, 1], as (n, 64) (or (n, 1, 8, 8)), and
    their int64 labels (what sklearn.datasets.load_digits returns)."""
    path = _bundled_csv()
    if path.exists():
        table = np.loadtxt(path, delimiter=",")
        pixels, labels = table[:, :-1], table[:, -1]
    else:  # a scikit-learn that keeps them elsewhere: its own loader
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels, labels = bunch.data, bunch.target
    images = (pixels / 16.0).astype(np.float32)
    return images.reshape(-1, 64) if flatten else images.reshape(-1, 1, 8, 8), labels.astype(np.int64)


def digits(flatten: bool = True) -> tuple[TensorDataset, TensorDataset]:
    """(train, test): 1437 and 360 images scaled to [0, 1], as (n, 64) (or (n, 1, 8, 8)) with int labels."""
    images, labels = digit_images(flatten)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return TensorDataset(images[train], labels[train]), TensorDataset(images[test], labels[test])
