"""Digits that a model trained on clean digits has not seen: noise, rotation, and classes held out of training."""
from __future__ import annotations

import numpy as np


def add_noise(x, std: float, seed: int = 0) -> np.ndarray:
    """Images (n, 64) in [0, 1] plus Gaussian noise of `std`, clipped back to [0, 1]."""
    x = np.asarray(x, np.float32)
    noise = np.random.default_rng(seed).normal(0.0, std, x.shape).astype(np.float32)
    return np.clip(x + noise, 0.0, 1.0)


def rotate(x, degrees: float) -> np.ndarray:
    """Images (n, 64) rotated by `degrees` about their centre (bilinear, zeros outside)."""
    from scipy.ndimage import rotate as nd_rotate

    images = np.asarray(x, np.float32).reshape(-1, 8, 8)
    turned = nd_rotate(images, degrees, axes=(1, 2), reshape=False, order=1, mode="constant", cval=0.0)
    return np.clip(turned, 0.0, 1.0).reshape(len(images), 64)


def hold_out_classes(x, y, classes) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """((x, y) without `classes`, the images of `classes`): train on the first, detect the second as unknown."""
    x, y = np.asarray(x), np.asarray(y)
    unseen = np.isin(y, list(classes))
    return (x[~unseen], y[~unseen]), x[unseen]


def digits_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) of dl.data.digits() as NumPy arrays (n, 64) float32 and int64."""
    from dlsys_lab.data import digits

    train, test = digits()
    return train.arrays[0], train.arrays[1], test.arrays[0], test.arrays[1]
