"""A synthetic sequence task for the sequence-model weeks: copy, reverse or sort digit sequences.

Generated offline from a seed; inputs and targets are integer tokens in [0, vocab).
"""
from __future__ import annotations

import numpy as np

from .dataset import TensorDataset

TASKS = ("copy", "reverse", "sort", "sum")


def sequence_task(task: str = "reverse", n: int = 1000, length: int = 8, vocab: int = 10,
                  seed: int = 0) -> TensorDataset:
    """n random sequences (n, length) and their targets: copied, reversed, sorted, or (n,) sum mod vocab."""
    if task not in TASKS:
        raise ValueError(f"unknown sequence task {task!r}; tasks are: {', '.join(TASKS)}")
    inputs = np.random.default_rng(seed).integers(0, vocab, size=(n, length))
    targets = {"copy": lambda x: x.copy(), "reverse": lambda x: x[:, ::-1].copy(),
               "sort": lambda x: np.sort(x, axis=1), "sum": lambda x: x.sum(axis=1) % vocab}[task](inputs)
    return TensorDataset(inputs, targets)
