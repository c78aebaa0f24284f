"""MNIST from local IDX files (plain or .gz); nothing is downloaded.

Put the four files from the MNIST distribution in one folder and pass it as root.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .dataset import TensorDataset

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (optionally gzip-compressed)."""
    path = Path(path)
    raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=_IDX_DTYPES[raw[2]], offset=4 + 4 * ndim).reshape(shape)


def _find(root: Path, name: str) -> Path | None:
    for candidate in (root / name, root / f"{name}.gz"):
        if candidate.exists():
            return candidate
    return None


def mnist(root, flatten: bool = True) -> tuple[TensorDataset, TensorDataset]:
    """(train, test) from IDX files in root, images scaled to [0, 1] as (n, 784) (or (n, 1, 28, 28))."""
    root = Path(root)
    paths = {key: _find(root, name) for key, name in FILES.items()}
    missing = [FILES[key] for key, path in paths.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing in {root.resolve()}: {', '.join(missing)} (each may end in .gz). "
            f"Copy the four IDX files of the MNIST distribution into that folder; nothing is downloaded.")
    splits = []
    for part in ("train", "test"):
        images = read_idx(paths[f"{part}_images"]).astype(np.float32) / 255.0
        labels = read_idx(paths[f"{part}_labels"]).astype(np.int64)
        images = images.reshape(len(images), -1) if flatten else images[:, None]
        splits.append(TensorDataset(images, labels))
    return splits[0], splits[1]
