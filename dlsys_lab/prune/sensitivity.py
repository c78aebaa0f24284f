"""A sensitivity scan: prune one layer at a time and watch a metric, to find the layers that tolerate the most
sparsity (and so where a uniform sparsity would hurt least or most)."""
from __future__ import annotations

from typing import Callable

from ..nn.module import Module
from .magnitude import _smallest, prunable_weights


def sensitivity(model: Module, evaluate: Callable[[Module], float],
                sparsities=(0.25, 0.5, 0.75, 0.9, 0.95)) -> dict[str, list[tuple[float, float]]]:
    """{weight name: [(sparsity, evaluate(model with only that weight pruned)), ...]}; the model is restored after."""
    state = model.state_dict()
    scan: dict[str, list[tuple[float, float]]] = {}
    try:
        for name, weight in prunable_weights(model).items():
            original = state[name]
            for sparsity in sparsities:
                weight.data = weight.backend.from_numpy(original * _smallest(abs(original), sparsity))
                scan.setdefault(name, []).append((sparsity, evaluate(model)))
            weight.data = weight.backend.from_numpy(original.copy())
    finally:
        model.load_state_dict(state)
    return scan
