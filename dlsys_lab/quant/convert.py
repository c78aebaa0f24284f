"""Post-training quantization of a whole model: calibrate, then swap Linear and Conv2d for int8 layers.

Calibration runs the float model on the calibration batches with an observer in front of every Linear and
Conv2d; each observer's range sets that layer's input scale. Other layers (ReLU, pooling, ...) stay float32.
"""
from __future__ import annotations

import copy
from typing import Iterable

import numpy as np

from ..autodiff import no_grad
from ..autodiff.tensor import Tensor
from ..nn import Conv2d, Linear
from ..nn.module import Buffer, Module, Parameter
from ..nn.rewrite import map_modules
from .kernels import default_kernel
from .layers import QuantizedConv2d, QuantizedLayer, QuantizedLinear
from .observers import MinMaxObserver, make_observer

_INT8_LAYERS = {Linear: QuantizedLinear, Conv2d: QuantizedConv2d}


class Observed(Module):
    """A layer with an observer watching its input."""

    def __init__(self, layer: Module, observer: MinMaxObserver):
        super().__init__()
        self.layer, self.observer = layer, observer

    def forward(self, x):
        self.observer.observe(x.numpy() if isinstance(x, Tensor) else np.asarray(x))
        return self.layer(x)


def _inputs(calibration_batches) -> Iterable:
    for batch in calibration_batches:
        yield batch[0] if isinstance(batch, (tuple, list)) else batch


def calibrate(model: Module, calibration_batches, observer: str = "minmax", **options) -> dict[int, MinMaxObserver]:
    """Run model on the batches (Tensors, or (x, y) pairs) and return an observer per Linear/Conv2d, by id."""
    observers: dict[int, MinMaxObserver] = {}

    def watch(module):
        if type(module) in _INT8_LAYERS:
            observers[id(module)] = make_observer(observer, **options)
            return Observed(copy.copy(module), observers[id(module)])  # (eval() below must not touch the original)
        return None

    watched, batches = map_modules(model, watch).eval(), 0
    with no_grad():
        for x in _inputs(calibration_batches):
            watched(x if isinstance(x, Tensor) else Tensor(np.asarray(x, np.float32), requires_grad=False))
            batches += 1
    if batches == 0:
        raise ValueError("quantize needs at least one calibration batch (an input Tensor or an (x, y) pair)")
    return observers


def quantize(model: Module, calibration_batches, per_channel: bool = True, symmetric: bool = True,
             observer: str = "minmax", kernel: str | None = None, **observer_options) -> Module:
    """An int8 copy of model: every Linear and Conv2d with int8 weights (per output channel when per_channel) and
    int8 inputs whose per-tensor range comes from calibration (`observer`: 'minmax' or 'percentile', with
    percentile=99.99); the product runs in int32 on `kernel` ('cpu', our C++ int8 kernel, or 'reference')."""
    kernel = kernel or default_kernel()
    observers = calibrate(model, calibration_batches, observer, **observer_options)

    def convert(module):
        if id(module) not in observers:
            return None
        if not observers[id(module)].seen:
            raise ValueError(f"{module!r} never ran during calibration, so its input range is unknown")
        input_qp = observers[id(module)].qparams(symmetric)
        return _INT8_LAYERS[type(module)](module, input_qp, per_channel, symmetric, kernel)

    return map_modules(model, convert).eval()


def model_bytes(model: Module) -> int:
    """Bytes of a model's weights: its float Parameters and Buffers plus the int8 layers' weights and scales."""
    floats = sum(t.numpy().nbytes for _, t in model._named_state((Parameter, Buffer)))
    return floats + sum(m.nbytes for m in model.modules() if isinstance(m, QuantizedLayer))
