"""Unstructured magnitude pruning: zero the weights of smallest |w|, exactly round(sparsity * n) of them, with
the masks torch.nn.utils.prune.l1_unstructured (per layer) or global_unstructured (across layers) would choose.

The weights are zeroed in place; `Masks.wrap(optimizer)` keeps them zero while fine-tuning.
"""
from __future__ import annotations

import numpy as np

from ..nn import Conv2d, Linear
from ..nn.module import Module, Parameter

PRUNABLE = (Linear, Conv2d)
SCOPES = ("layer", "global")


class Masks:
    """A 0/1 mask per pruned weight (by its state_dict name); `apply` zeroes the masked weights again."""

    def __init__(self, weights: dict[str, Parameter], masks: dict[str, np.ndarray]):
        self.weights, self.masks = weights, masks

    def apply(self) -> None:
        """Multiply every pruned weight by its mask (after an optimizer step moved the zeros)."""
        for name, weight in self.weights.items():
            weight.data = weight.backend.from_numpy((weight.numpy() * self.masks[name]).astype(weight.dtype))

    def sparsity(self) -> float:
        """Fraction of the pruned weights' entries that are masked."""
        total = sum(m.size for m in self.masks.values())
        return 1.0 - sum(float(m.sum()) for m in self.masks.values()) / total

    def wrap(self, optimizer) -> "MaskedOptimizer":
        """An optimizer that steps like `optimizer`, then re-applies the masks."""
        return MaskedOptimizer(optimizer, self)


class MaskedOptimizer:
    """An optimizer whose every step is followed by Masks.apply: pruned weights stay zero while fine-tuning."""

    def __init__(self, optimizer, masks: Masks):
        self.optimizer, self.masks = optimizer, masks

    def zero_grad(self) -> None:
        """As the wrapped optimizer's."""
        self.optimizer.zero_grad()

    def step(self) -> None:
        """The wrapped optimizer's step, then the masks."""
        self.optimizer.step()
        self.masks.apply()


def named_modules(module: Module, prefix: str = ""):
    """(state_dict prefix, module) for module and every submodule, depth first."""
    yield prefix, module
    for name, member in module.named_members():
        if isinstance(member, Module):
            yield from named_modules(member, f"{prefix}{name}.")


def prunable_weights(model: Module) -> dict[str, Parameter]:
    """The weights of every Linear and Conv2d, by state_dict name (biases are never pruned)."""
    return {f"{prefix}weight": m.weight for prefix, m in named_modules(model) if isinstance(m, PRUNABLE)}


def _smallest(scores: np.ndarray, sparsity: float) -> np.ndarray:
    """A 0/1 mask of scores' shape with the round(sparsity * n) smallest entries 0 (torch's count and choice)."""
    mask = np.ones(scores.size, np.float32)
    mask[np.argsort(scores.reshape(-1), kind="stable")[:round(sparsity * scores.size)]] = 0.0
    return mask.reshape(scores.shape)


def magnitude(model: Module, sparsity: float, scope: str = "layer") -> Masks:
    """Zero the fraction `sparsity` of smallest-magnitude weights of every Linear and Conv2d, in place: per layer
    (scope='layer', like l1_unstructured on each) or over all of them together (scope='global'). Returns the masks."""
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity {sparsity}: expected a fraction in [0, 1]")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; scopes are: {', '.join(SCOPES)}")
    weights = prunable_weights(model)
    if not weights:
        raise ValueError("the model has no Linear or Conv2d weight to prune")
    scores = {name: np.abs(w.numpy()) for name, w in weights.items()}
    if scope == "layer":
        masks = {name: _smallest(score, sparsity) for name, score in scores.items()}
    else:
        flat = _smallest(np.concatenate([s.reshape(-1) for s in scores.values()]), sparsity)
        ends = np.cumsum([s.size for s in scores.values()])
        masks = {name: part.reshape(s.shape) for (name, s), part in zip(scores.items(), np.split(flat, ends[:-1]))}
    pruned = Masks(weights, masks)
    pruned.apply()
    return pruned
