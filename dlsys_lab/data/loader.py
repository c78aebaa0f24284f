"""DataLoader: batches of Tensors from a Dataset, optionally shuffled with a seed.

A seeded loader yields the same sequence of epochs every time it is created, whatever its num_workers: with
worker processes (workers.py) the same batches arrive in the same order, only loaded in parallel.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..autodiff.tensor import Tensor
from ..profiler import spans
from .dataset import Dataset, TensorDataset


def collate_columns(dataset: Dataset, indices) -> list[np.ndarray]:
    """The samples at `indices` stacked column by column (x's, y's, ...) as NumPy arrays."""
    if isinstance(dataset, TensorDataset) and dataset.transform is None:
        return [a[indices] for a in dataset.arrays]
    samples = [dataset[int(i)] for i in indices]
    return [np.stack(column) for column in zip(*samples)]


class DataLoader:
    """Iterate over (x, y, ...) batches as Tensors (requires_grad=False) on `device` in `dtype`; with
    num_workers > 0, worker processes load the batches, prefetch_factor batches ahead per worker."""

    def __new__(cls, *args, num_workers: int = 0, **kwargs):
        if cls is DataLoader and num_workers > 0:
            from .workers import WorkerDataLoader
            cls = WorkerDataLoader
        return super().__new__(cls)

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, seed: int | None = None,
                 drop_last: bool = False, device=None, dtype: str = "float32", num_workers: int = 0,
                 prefetch_factor: int = 2):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if num_workers < 0 or prefetch_factor < 1:
            raise ValueError(f"need num_workers >= 0 and prefetch_factor >= 1, got {num_workers} and {prefetch_factor}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.device, self.dtype = device, dtype
        self.num_workers, self.prefetch_factor = num_workers, prefetch_factor
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
        if spans.active():  # a dl.profile() is on: the time the loop waits for this batch is a span of it
            start = time.perf_counter_ns()
            batch = self._tensors(collate_columns(self.dataset, indices))
            spans.record(spans.DATA_WAIT, start, time.perf_counter_ns())
            return batch
        return self._tensors(collate_columns(self.dataset, indices))

    def _tensors(self, columns):
        return tuple(Tensor(c, device=self.device, dtype=self.dtype, requires_grad=False) for c in columns)
