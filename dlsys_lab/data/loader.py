"""DataLoader: batches of Tensors from a Dataset, optionally shuffled with a seed.

A seeded loader yields the same sequence of epochs every time it is created.
"""
from __future__ import annotations

import math

import numpy as np

from ..autodiff.tensor import Tensor
from .dataset import Dataset, TensorDataset


class DataLoader:
    """Iterate over (x, y, ...) batches as Tensors (requires_grad=False) on `device` in `dtype`."""

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, seed: int | None = None,
                 drop_last: bool = False, device=None, dtype: str = "float32"):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.device, self.dtype = device, dtype
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        # BEGIN LAB lab03_nn DataLoader.__len__
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        # END LAB lab03_nn

    def __iter__(self):
        # BEGIN LAB lab03_nn DataLoader.__iter__
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for batch in range(len(self)):
            yield self._collate(order[batch * self.batch_size:(batch + 1) * self.batch_size])
        # END LAB lab03_nn

    def _collate(self, indices):
        dataset = self.dataset
        if isinstance(dataset, TensorDataset) and dataset.transform is None:
            columns = [a[indices] for a in dataset.arrays]
        else:
            samples = [dataset[int(i)] for i in indices]
            columns = [np.stack(column) for column in zip(*samples)]
        return tuple(Tensor(c, device=self.device, dtype=self.dtype, requires_grad=False) for c in columns)
