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


PLUS, EQUALS = 10, 11  # the addition task's two non-digit tokens (digits are tokens 0-9)


def addition_task(n: int = 1000, digits: int = 3, seed: int = 0) -> TensorDataset:
    """n problems "a+b=" as tokens (n, 2 * digits + 2), most significant digit first, and their sums as
    (n, digits + 1) digit tokens, zero-padded; tokens 0-9 are digits, PLUS = 10, EQUALS = 11 (vocab 12)."""
    if digits < 1:
        raise ValueError(f"addition_task needs digits >= 1, got {digits}")
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 10 ** digits, size=(2, n))

    def as_digits(values, width):
        return (values[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10

    inputs = np.concatenate([as_digits(a, digits), np.full((n, 1), PLUS), as_digits(b, digits),
                             np.full((n, 1), EQUALS)], axis=1)
    return TensorDataset(inputs, as_digits(a + b, digits + 1))
