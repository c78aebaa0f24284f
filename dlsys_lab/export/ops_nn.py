"""Convolution, pooling, normalization and dropout in both directions (1-D and 2-D NCHW inputs).

Windows come from autodiff's Im2Col view, strided and dilated by slicing it, so every op here differentiates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import nn, ops
from ..autodiff.ops_conv import Im2Col
from ..autodiff.tensor import Tensor
from .ops_shape import concat, pad_with
from .registry import exports, imports
from .values import number, tensor, unsupported


@dataclass(frozen=True)
class Geometry:
    """Where windows go on a 2-D image: kernel, strides, dilations, (begin, end) padding per axis, and the extra
    end padding ceil_mode adds (not counted by AveragePool)."""

    kernel: tuple
    strides: tuple
    dilations: tuple
    pads: tuple
    extra: tuple


def _lift(node, x: Tensor) -> tuple[Tensor, bool]:
    """(N, C, W) inputs become (N, C, 1, W); anything but 1-D and 2-D is refused."""
    if x.ndim == 3:
        return ops.reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2])), True
    if x.ndim != 4:
        raise unsupported(node, f"input of shape {x.shape}: only 1-D and 2-D (N, C, H, W) windows are supported")
    return x, False


def geometry(node, size, kernel) -> Geometry:
    """The window geometry from a node's attributes for a 2-D image of `size` and a 2-D `kernel`."""
    lift = len(kernel) == 1 or len(size) != len(kernel)
    a = node.attrs

    def pair(key, default):
        value = list(a.get(key, [default] * (1 if lift else 2)))
        return tuple([default] + value if len(value) == 1 else value)

    kernel = tuple(kernel) if len(kernel) == 2 else (1,) + tuple(kernel)
    strides, dilations = pair("strides", 1), pair("dilations", 1)
    reach = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    auto = a.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        totals = [max(0, (-(-n // s) - 1) * s + r - n) for n, s, r in zip(size, strides, reach)]
        pads = tuple((t // 2, t - t // 2) if auto == "SAME_UPPER" else (t - t // 2, t // 2) for t in totals)
    else:
        flat = list(a.get("pads", [0] * (2 if lift else 4))) if auto != "VALID" else [0, 0, 0, 0]
        flat = [0, flat[0], 0, flat[1]] if len(flat) == 2 else flat
        pads = ((flat[0], flat[2]), (flat[1], flat[3]))
    extra = [0, 0]
    if a.get("ceil_mode", 0):
        for i, (n, s, r, (lo, hi)) in enumerate(zip(size, strides, reach, pads)):
            out = -(-(n + lo + hi - r) // s) + 1
            out -= (out - 1) * s >= n + lo  # the last window must start inside the input or its begin padding
            extra[i] = max(0, (out - 1) * s + r - (n + lo + hi))
    return Geometry(kernel, strides, dilations, pads, tuple(extra))


def windows(x: Tensor, g: Geometry) -> Tensor:
    """(N, C, H, W), already padded -> (N, Ho, Wo, C, kh, kw): every window, strided and dilated."""
    reach = [(k - 1) * d + 1 for k, d in zip(g.kernel, g.dilations)]
    cols = Im2Col(reach[0], reach[1], 1)(x)
    if g.strides != (1, 1) or g.dilations != (1, 1):
        (sh, sw), (dh, dw) = g.strides, g.dilations
        everything = slice(None)
        cols = ops.getitem(cols, (everything, slice(None, None, sh), slice(None, None, sw), everything,
                                  slice(None, None, dh), slice(None, None, dw)))
    return cols


def _padded(x: Tensor, g: Geometry, fill: float) -> Tensor:
    """x with g's padding (and ceil_mode's extra end padding) filled with `fill`."""
    return pad_with(x, ((0, 0), (0, 0)) + tuple((lo, hi + e) for (lo, hi), e in zip(g.pads, g.extra)), fill)


def _lower(y: Tensor, lifted: bool) -> Tensor:
    return ops.reshape(y, (y.shape[0], y.shape[1], y.shape[3])) if lifted else y


@imports("Conv")
def _conv(node, x, w, b=None):
    x = tensor(x)
    w = tensor(w, x)
    x, lifted = _lift(node, x)
    w = ops.reshape(w, w.shape[:2] + (1,) + w.shape[2:]) if lifted else w
    g = geometry(node, x.shape[2:], w.shape[2:])
    x = _padded(x, g, 0.0)
    groups = node.attrs.get("group", 1)
    o, cg, kh, kw = w.shape
    og, outs = o // groups, []
    for i in range(groups):
        xi = x if groups == 1 else ops.getitem(x, (slice(None), slice(i * cg, (i + 1) * cg)))
        wi = w if groups == 1 else ops.getitem(w, (slice(i * og, (i + 1) * og),))
        cols = windows(xi, g)
        n, ho, wo = cols.shape[:3]
        y = ops.reshape(cols, (n * ho * wo, cg * kh * kw)) @ ops.transpose(ops.reshape(wi, (og, cg * kh * kw)))
        outs.append(ops.reshape(y, (n, ho, wo, og)))
    y = ops.transpose(concat(outs, 3) if groups > 1 else outs[0], (0, 3, 1, 2))
    if b is not None:
        y = y + ops.reshape(tensor(b, y), (1, o, 1, 1))
    return _lower(y, lifted)


@imports("MaxPool", "AveragePool")
def _pool(node, x):
    if len(node.outputs) > 1:
        raise unsupported(node, "the Indices output of MaxPool")
    x, lifted = _lift(node, tensor(x))
    g = geometry(node, x.shape[2:], node.attrs["kernel_shape"])
    if node.op == "MaxPool":
        cols = windows(_padded(x, g, -np.inf), g)
        n, ho, wo, c, kh, kw = cols.shape
        y = ops.reshape(cols, (n, ho, wo, c, kh * kw)).max(axes=4)
    else:
        sums = windows(_padded(x, g, 0.0), g).sum(axes=(4, 5))
        ones = np.ones(x.shape, dtype=x.dtype)
        include = node.attrs.get("count_include_pad", 0)
        counted = np.pad(ones, ((0, 0), (0, 0)) + g.pads, constant_values=float(include))
        counted = np.pad(counted, ((0, 0), (0, 0)) + tuple((0, e) for e in g.extra))
        counts = windows(Tensor(counted, device=x.device, dtype=x.dtype, requires_grad=False), g).sum(axes=(4, 5))
        y = sums / counts
    return _lower(ops.transpose(y, (0, 3, 1, 2)), lifted)


@imports("GlobalAveragePool")
def _global_average_pool(node, x):
    x = tensor(x)
    return x.mean(tuple(range(2, x.ndim)), keepdims=True)


def _per_channel(value, x: Tensor) -> Tensor:
    return ops.reshape(tensor(value, x), (1, -1) + (1,) * (x.ndim - 2))


@imports("BatchNormalization")
def _batch_norm(node, x, scale, bias, mean, var):
    if node.attrs.get("training_mode", 0) or len(node.outputs) > 1:
        raise unsupported(node, "training mode (batch statistics); export the model in eval mode")
    x = tensor(x)
    eps = node.attrs.get("epsilon", 1e-5)
    y = (x - _per_channel(mean, x)) / (_per_channel(var, x) + eps).sqrt()
    return y * _per_channel(scale, x) + _per_channel(bias, x)


@imports("LayerNormalization")
def _layer_norm(node, x, scale, bias=None):
    x = tensor(x)
    axes = tuple(range(node.attrs.get("axis", -1) % x.ndim, x.ndim))
    mean = x.mean(axes, keepdims=True)
    centered = x - mean
    inv_std = 1.0 / ((centered * centered).mean(axes, keepdims=True) + node.attrs.get("epsilon", 1e-5)).sqrt()
    y = centered * inv_std * tensor(scale, x)
    y = y if bias is None else y + tensor(bias, x)
    return (y, mean, inv_std)[:len(node.outputs)]


@imports("Dropout")
def _dropout(node, x, ratio=None, training_mode=None):
    if training_mode is not None and number(training_mode):
        raise unsupported(node, "training mode; dropout is the identity in inference")
    return (x, np.ones(x.shape, dtype=bool))[:len(node.outputs)]


# ---- dlsys_lab -> ONNX --------------------------------------------------------------------------------------
@exports(Im2Col)
def _write_im2col(emit, op, names, tensors, out):
    """Every window as a grouped Conv whose kernels are one-hot (exact: one product by 1, the rest by 0)."""
    c, k = tensors[0].shape[1], op.kh * op.kw
    picks = np.tile(np.eye(k, dtype=tensors[0].dtype).reshape(k, 1, op.kh, op.kw), (c, 1, 1, 1))
    y = emit.node("Conv", [names[0], emit.constant(picks)], group=c, kernel_shape=[op.kh, op.kw],
                  strides=[op.stride, op.stride])
    n, ho, wo = out.shape[:3]
    y = emit.node("Reshape", [y, emit.ints([n, c, op.kh, op.kw, ho, wo])])
    return emit.node("Transpose", [y], perm=[0, 4, 5, 1, 2, 3])


@exports(nn.Linear)
def _write_linear(emit, module, names, tensors, out):
    if tensors[0].ndim != 2:
        return None  # Gemm is for matrices: a batched input traces as MatMul and Add
    bias = [emit.name(module.bias)] if module.bias is not None else []
    return emit.node("Gemm", [names[0], emit.name(module.weight)] + bias, transB=1)


@exports(nn.Conv2d)
def _write_conv2d(emit, module, names, tensors, out):
    inputs = [names[0], emit.name(module.weight)] + ([emit.name(module.bias)] if module.bias is not None else [])
    k, s, p = module.kernel_size, module.stride, module.padding
    return emit.node("Conv", inputs, kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)


@exports(nn.MaxPool2d)
def _write_maxpool2d(emit, module, names, tensors, out):
    k = module.kernel_size
    s = module.stride or k
    return emit.node("MaxPool", names, kernel_shape=[k, k], strides=[s, s])


@exports(nn.Embedding)
def _write_embedding(emit, module, names, tensors, out):
    tokens = names[0]
    if isinstance(tensors[0], Tensor):  # float token ids: ONNX's Gather wants integers
        tokens = emit.node("Cast", [tokens], to=emit.onnx_dtype("int64"))
    return emit.node("Gather", [emit.name(module.weight), tokens], axis=0)


@exports(nn.LayerNorm)
def _write_layer_norm(emit, module, names, tensors, out):
    if emit.opset < 17:
        return None  # LayerNormalization is opset 17's: below it, the traced ops are written instead
    shape, dtype = module.normalized_shape, tensors[0].dtype
    scale = emit.name(module.weight) if module.weight is not None else emit.constant(np.ones(shape, dtype))
    bias = [emit.name(module.bias)] if module.bias is not None else []
    return emit.node("LayerNormalization", [names[0], scale] + bias, axis=-len(shape), epsilon=module.eps)
