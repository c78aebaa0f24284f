"""Structured pruning: remove whole neurons (Linear outputs) and channels (Conv2d outputs), so the model gets
thinner and its multiply-accumulates and latency fall, unlike zeros scattered by unstructured pruning.

In a Sequential, a Linear or Conv2d whose outputs reach the next Linear or Conv2d only through elementwise layers,
pooling or Flatten loses the outputs whose weights have the smallest L1 norms; the next layer loses the matching
inputs. The model's last weighted layer keeps all its outputs (they are the model's outputs).
"""
from __future__ import annotations

import numpy as np

from ..nn import Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, Sigmoid, Tanh
from ..nn.module import Module

WEIGHTED = (Linear, Conv2d)
PASS_THROUGH = (ReLU, Tanh, Sigmoid, Dropout, MaxPool2d, Flatten)  # channel i in, channel i out


def _rebuilt(layer: Module, weight: np.ndarray, bias) -> Module:
    """A layer like `layer` with a new weight (and bias), sizes taken from the weight."""
    device, dtype = layer.weight.device, layer.weight.dtype
    if isinstance(layer, Linear):
        new = Linear(weight.shape[1], weight.shape[0], bias=bias is not None, device=device, dtype=dtype)
    else:
        new = Conv2d(weight.shape[1], weight.shape[0], layer.kernel_size, layer.stride, layer.padding,
                     bias=bias is not None, device=device, dtype=dtype)
    new.load_state_dict({"weight": weight, **({"bias": bias} if bias is not None else {})})
    return new


def _keep_outputs(layer: Module, keep: np.ndarray) -> Module:
    bias = None if layer.bias is None else layer.bias.numpy()[keep]
    return _rebuilt(layer, layer.weight.numpy()[keep], bias)


def _keep_inputs(layer: Module, keep: np.ndarray, group: int) -> Module:
    """`layer` reading only the inputs of the kept channels; after Flatten a channel is `group` inputs in a row."""
    columns = (keep[:, None] * group + np.arange(group)).reshape(-1)
    return _rebuilt(layer, layer.weight.numpy()[:, columns], None if layer.bias is None else layer.bias.numpy())


def _next_weighted(layers: list, i: int) -> tuple[int, bool] | None:
    """(index of the next weighted layer, whether a Flatten comes first), or None if another kind of layer does."""
    flattened = False
    for j in range(i + 1, len(layers)):
        if isinstance(layers[j], WEIGHTED):
            return j, flattened
        if not isinstance(layers[j], PASS_THROUGH):
            return None
        flattened |= isinstance(layers[j], Flatten)
    return None


def channels(model: Sequential, ratio: float) -> Sequential:
    """A thinner copy of a Sequential: round(ratio * n) of the n outputs of each prunable Linear and Conv2d
    removed (the smallest by L1 norm of their weights), with the next layer's matching inputs."""
    if not isinstance(model, Sequential):
        raise TypeError(f"channels prunes a Sequential; got {type(model).__name__} (prune its Sequential parts)")
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"ratio {ratio}: expected a fraction in [0, 1)")
    layers = list(model.layers)
    for i, layer in enumerate(layers):
        following = _next_weighted(layers, i) if isinstance(layer, WEIGHTED) else None
        if following is None:
            continue
        j, flattened = following
        weight = model.layers[i].weight.numpy()  # the norms of the original weights (inputs not yet removed)
        outputs = len(weight)
        norms = np.abs(weight.reshape(outputs, -1)).sum(axis=1)
        keep = np.sort(np.argsort(-norms, kind="stable")[:max(1, outputs - round(ratio * outputs))])
        group = layers[j].in_features // outputs if flattened else 1
        layers[i], layers[j] = _keep_outputs(layers[i], keep), _keep_inputs(layers[j], keep, group)
    return Sequential(*layers).train(model.training)
