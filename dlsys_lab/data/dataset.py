"""Datasets: the Dataset interface (len and indexing) and TensorDataset over in-memory arrays.

Samples stay NumPy arrays until a DataLoader batches them into Tensors.
"""
from __future__ import annotations

import numpy as np


class Dataset:
    """Anything with __len__ and __getitem__(i) returning a tuple of arrays (e.g. (image, label))."""

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Equal-length arrays indexed together; `transform` applies to the first array's samples."""

    def __init__(self, *arrays, transform=None):
        self.arrays = [a.numpy() if hasattr(a, "numpy") and not isinstance(a, np.ndarray) else np.asarray(a)
                       for a in arrays]
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ValueError(f"TensorDataset: arrays differ in length: {[a.shape for a in self.arrays]}")
        self.transform = transform

    def __getitem__(self, index):
        first, *rest = (a[index] for a in self.arrays)
        return (self.transform(first) if self.transform else first, *rest)

    def __len__(self):
        return len(self.arrays[0])
