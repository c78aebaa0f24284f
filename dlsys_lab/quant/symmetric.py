"""Symmetric int8 quantization on plain NumPy data (graded in lab09_optimization): q = clamp(round(x / scale)),
x ~ q * scale, with the zero point fixed at 0 and codes in [-127, 127] (so that -q is always a code too).

Weights get one scale per output channel (axis 0) from their largest magnitude; activations get one scale per
tensor from the range a min-max observer saw on calibration batches. Rounding is half to even, like np.round,
torch.quantize_per_channel and onnxruntime. `dl.quant.quantize_weight` uses these for symmetric per-channel weights.
"""
from __future__ import annotations

import numpy as np

QLIMIT = 127  # codes run over [-QLIMIT, QLIMIT]; -128 is never used


def weight_scales(w):
    """float32 scales, one per output channel (axis 0) of the weight w: its largest |value| / 127, and 1.0 for a
    channel of zeros (any scale represents it exactly)."""
    # BEGIN LAB lab09_optimization weight_scales
    w = np.asarray(w, np.float64)
    if w.ndim < 1 or len(w) == 0:
        raise ValueError(f"a weight needs output channels along axis 0, got shape {w.shape}")
    largest = np.abs(w.reshape(len(w), -1)).max(axis=1)
    return np.where(largest > 0, largest / QLIMIT, 1.0).astype(np.float32)
    # END LAB lab09_optimization


def activation_scale(batches):
    """The float32 per-tensor scale of an activation from calibration batches (arrays): a min-max observer's
    range [smallest, largest] over every batch, widened to contain 0, as max(-smallest, largest) / 127 (1.0 when
    every value is 0). At least one batch is needed."""
    # BEGIN LAB lab09_optimization activation_scale
    low, high = 0.0, 0.0
    seen = False
    for batch in batches:
        batch = np.asarray(batch, np.float64)
        low, high, seen = min(low, float(batch.min())), max(high, float(batch.max())), True
    if not seen:
        raise ValueError("activation_scale needs at least one calibration batch")
    largest = max(-low, high)
    return np.float32(largest / QLIMIT if largest > 0 else 1.0)
    # END LAB lab09_optimization


def quantize_symmetric(x, scale, axis=None):
    """int8 codes of x: round(x / scale) half to even (in float64), clamped to [-127, 127]; `scale` is one number
    (axis None) or one per slice of x along `axis`."""
    # BEGIN LAB lab09_optimization quantize_symmetric
    x = np.asarray(x, np.float64)
    scale = np.asarray(scale, np.float64)
    if axis is not None:
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
    return np.clip(np.round(x / scale), -QLIMIT, QLIMIT).astype(np.int8)
    # END LAB lab09_optimization


def dequantize_symmetric(q, scale, axis=None):
    """The float32 values the int8 codes q stand for: q * scale (scale per slice along `axis`, or one number)."""
    # BEGIN LAB lab09_optimization dequantize_symmetric
    q = np.asarray(q)
    scale = np.asarray(scale, np.float64)
    if axis is not None:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
    return (q.astype(np.float64) * scale).astype(np.float32)
    # END LAB lab09_optimization
