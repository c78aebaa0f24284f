"""fuse(model): the fusions applied to every Sequential of a model, in a copy (the original is untouched)."""
from __future__ import annotations

from ..nn import Linear, ReLU, Sequential
from ..nn.module import Module
from ..nn.rewrite import map_modules
from .batchnorm import fold, foldable
from .linear_relu import LinearReLU


def _fused(layers: list[Module]) -> list[Module]:
    out: list[Module] = []
    for layer in layers:
        last = out[-1] if out else None
        if last is not None and foldable(last, layer):
            out[-1] = fold(last, layer)
        elif type(last) is Linear and type(layer) is ReLU and last.bias is not None:
            out[-1] = LinearReLU(last)
        else:
            out.append(layer)
    return out


def fuse(model: Module) -> Module:
    """A copy of model where, in every Sequential, an eval-mode BatchNorm folds into the Conv2d or Linear before it
    and a Linear followed by a ReLU becomes one LinearReLU op."""
    def rewrite(module):
        if not isinstance(module, Sequential):
            return None
        inner = [map_modules(layer, rewrite) for layer in module.layers]
        return Sequential(*_fused(inner)).train(module.training)

    return map_modules(model, rewrite)
