"""Model surgery without touching the original: a copy of a model with some of its layers replaced.

Quantization swaps Linear for QuantizedLinear, channel pruning swaps layers for thinner ones; both call `map_modules`.
"""
from __future__ import annotations

import copy
from typing import Callable

from .module import Module


def map_modules(module: Module, replace: Callable[[Module], Module | None]) -> Module:
    """A shallow copy of `module` where every submodule m with replace(m) not None is swapped for replace(m).

    Modules that `replace` leaves alone are copied, not shared, so the result can be changed freely; their
    Tensors are shared with the original (nothing is copied that the replacement does not change)."""
    new = replace(module)
    if new is not None:
        return new
    result = copy.copy(module)
    for name, value in vars(module).items():
        if isinstance(value, Module):
            setattr(result, name, map_modules(value, replace))
        elif isinstance(value, (list, tuple)) and any(isinstance(item, Module) for item in value):
            setattr(result, name, type(value)(map_modules(item, replace) if isinstance(item, Module) else item
                                              for item in value))
    return result
