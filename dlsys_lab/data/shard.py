"""Sharding for data parallelism: rank r of n sees every n-th sample of one seeded permutation, so the shards are
disjoint and together hold the whole dataset (each rank then loads its shard with its own DataLoader)."""
from __future__ import annotations

import numpy as np

from .dataset import Dataset


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)


def shard(dataset: Dataset, rank: int, world_size: int, seed: int = 0) -> Subset:
    """Rank `rank`'s share of dataset among world_size ranks (sizes differ by at most one)."""
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
    order = np.random.default_rng(seed).permutation(len(dataset))
    return Subset(dataset, order[rank::world_size])
