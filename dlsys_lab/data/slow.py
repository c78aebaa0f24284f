"""SlowDataset: a dataset that sleeps a fixed time per sample (a stand-in for slow storage), picklable for workers;
the tests of the profiler's DataLoader.wait spans use it."""
from __future__ import annotations

import time

import numpy as np

from .dataset import Dataset


class SlowDataset(Dataset):
    """n samples (features i * ones(width), label i % 10), each taking `delay_ms` to load."""

    def __init__(self, n: int = 64, width: int = 8, delay_ms: float = 5.0):
        self.n, self.width, self.delay_ms = n, width, delay_ms

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} samples")
        time.sleep(self.delay_ms / 1e3)
        return np.full(self.width, float(index), np.float32), np.int64(index % 10)
