"""Shape, indexing and type ops in both directions: ONNX -> dlsys_lab functions, dlsys_lab ops -> ONNX.

Shapes, axes and indices arrive as NumPy integer arrays (ONNX passes them as tensors).
"""
from __future__ import annotations

import numpy as np
import onnx

from .. import ops
from ..autodiff import ops_shape as sh
from ..autodiff.ops_loss import one_hot
from ..autodiff.tensor import Tensor
from .registry import exports, imports
from .values import FLOATS, axes_of, ints, like, number, tensor, unsupported

INT64_MAX = np.iinfo(np.int64).max


@imports("Identity", integer_inputs=True)
def _identity(node, x):
    return x


@imports("Constant", integer_inputs=True)
def _constant(node):
    return constant_value(node)


def constant_value(node):
    """The value of a Constant node: a Tensor for floating values, a NumPy array for integers."""
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in node.attrs:
            array = np.asarray(node.attrs[key], dtype=np.int64 if "int" in key else None)
            array = array.astype(np.float32) if "float" in key else array
            return tensor(array) if array.dtype.name in FLOATS else array
    raise unsupported(node, f"Constant with attribute {sorted(node.attrs)} (dense numeric values only)")


@imports("Cast", integer_inputs=True)
def _cast(node, x):
    target = onnx.helper.tensor_dtype_to_np_dtype(node.attrs["to"])
    if target.name in FLOATS:
        return tensor(x).astype(target.name)
    if target.kind not in "iub":
        raise unsupported(node, f"Cast to {target.name}: dlsys_lab computes in float32 and float64")
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x).astype(target)


@imports("Shape", integer_inputs=True)
def _shape(node, x):
    shape = x.shape
    start, end = node.attrs.get("start", 0), node.attrs.get("end", len(shape))
    return np.asarray(shape[slice(start, end)], dtype=np.int64)


@imports("Reshape")
def _reshape(node, x, shape):
    x, shape = tensor(x), ints(shape)
    if not node.attrs.get("allowzero", 0):
        shape = [x.shape[i] if n == 0 else n for i, n in enumerate(shape)]
    return ops.reshape(x, shape)


@imports("Transpose")
def _transpose(node, x):
    x = tensor(x)
    return ops.transpose(x, node.attrs.get("perm", list(range(x.ndim))[::-1]))


@imports("Flatten")
def _flatten(node, x):
    x = tensor(x)
    axis = node.attrs.get("axis", 1)
    axis = axis + x.ndim if axis < 0 else axis
    return ops.reshape(x, (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:]))))


@imports("Squeeze")
def _squeeze(node, x, axes=None):
    x = tensor(x)
    chosen = axes_of(node, (x, axes), 1, x.ndim)
    chosen = [i for i, n in enumerate(x.shape) if n == 1] if chosen is None else chosen
    return ops.reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in chosen))


@imports("Unsqueeze")
def _unsqueeze(node, x, axes=None):
    x = tensor(x)
    chosen = axes_of(node, (x, axes), 1, x.ndim + len(ints(axes) or node.attrs.get("axes", [])))
    shape = list(x.shape)
    for axis in sorted(chosen):
        shape.insert(axis, 1)
    return ops.reshape(x, shape)


@imports("Expand")
def _expand(node, x, shape):
    x = tensor(x)
    return ops.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(ints(shape))))


def concat(tensors, axis: int) -> Tensor:
    """Join tensors along an existing axis: each zero-padded to the full length, then summed (pad's adjoint slices)."""
    tensors = [t for t in tensors if t.shape[axis]]
    sizes = [t.shape[axis] for t in tensors]
    total, before, out = sum(sizes), 0, None
    for t, n in zip(tensors, sizes):
        widths = [(0, 0)] * t.ndim
        widths[axis] = (before, total - before - n)
        piece = ops.pad(t, widths) if len(tensors) > 1 else t
        out = piece if out is None else out + piece
        before += n
    return out


@imports("Concat")
def _concat(node, *xs):
    first = like(*xs)
    xs = [tensor(x, first) for x in xs]
    return concat(xs, node.attrs["axis"] % xs[0].ndim)


@imports("Split")
def _split(node, x, split=None):
    x = tensor(x)
    axis = node.attrs.get("axis", 0) % x.ndim
    n, parts = x.shape[axis], len(node.outputs)
    sizes = ints(split) or node.attrs.get("split")
    if not sizes:
        step = -(-n // parts)  # ceil: the last part may be smaller (opset 18)
        sizes = [min(step, n - i * step) for i in range(parts)]
    before, pieces = (slice(None),) * axis, []
    for start in np.cumsum([0] + list(sizes[:-1])):
        pieces.append(ops.getitem(x, before + (slice(int(start), int(start) + sizes[len(pieces)]),)))
    return tuple(pieces)


@imports("Slice")
def _slice(node, x, starts, ends, axes=None, steps=None):
    x = tensor(x)
    starts, ends = ints(starts), ints(ends)
    axes = [a % x.ndim for a in ints(axes)] or list(range(len(starts)))
    steps = ints(steps) or [1] * len(starts)
    index, flipped = [slice(None)] * x.ndim, []
    for axis, start, end, step in zip(axes, starts, ends, steps):
        n = x.shape[axis]
        picked = range(*slice(start, end, step).indices(n))
        if step > 0 or not picked:
            index[axis] = slice(picked.start, max(picked.start, picked.stop), abs(step)) if picked else slice(0, 0)
        else:  # a negative step: flip the axis, then take the same entries with a positive step
            flipped.append(axis)
            first = n - 1 - picked[0]
            index[axis] = slice(first, first + (len(picked) - 1) * -step + 1, -step)
    if flipped:
        x = ops.flip(x, flipped)
    return ops.getitem(x, tuple(index))


def gather(data: Tensor, indices, axis: int) -> Tensor:
    """data's entries along `axis` at integer `indices` (any shape), as one_hot(indices) @ rows: differentiable."""
    indices = np.asarray(indices).astype(np.int64)
    n = data.shape[axis]
    if indices.size and (indices.min() < -n or indices.max() >= n):
        raise IndexError(f"Gather: indices in [{indices.min()}, {indices.max()}] are out of range for axis size {n}")
    rest = data.shape[:axis] + data.shape[axis + 1:]
    front = ops.transpose(data, (axis,) + tuple(i for i in range(data.ndim) if i != axis))
    rows = one_hot(indices.reshape(-1) % n, n, data) @ ops.reshape(front, (n, -1))
    out = ops.reshape(rows, indices.shape + rest)
    q = indices.ndim
    perm = tuple(range(q, q + axis)) + tuple(range(q)) + tuple(range(q + axis, q + data.ndim - 1))
    return out if perm == tuple(range(len(perm))) else ops.transpose(out, perm)


@imports("Gather")
def _gather(node, data, indices):
    data = tensor(data)
    return gather(data, np.asarray(ints(indices)).reshape(np.shape(indices)), node.attrs.get("axis", 0) % data.ndim)


def pad_with(x: Tensor, widths, fill: float) -> Tensor:
    """x padded by ((before, after), ...) with `fill`: zero padding plus a constant that is `fill` only outside x
    (0 + fill and x + 0 are exact, so -inf works for max pooling)."""
    widths = tuple(widths)
    if not any(lo or hi for lo, hi in widths):
        return x
    out = ops.pad(x, widths)
    if fill:
        mask = np.full(out.shape, fill, dtype=x.dtype)
        mask[tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))] = 0
        out = out + Tensor(mask, device=x.device, dtype=x.dtype, requires_grad=False)
    return out


@imports("Pad")
def _pad(node, x, pads, value=None, axes=None):
    x = tensor(x)
    if node.attrs.get("mode", "constant") != "constant":
        raise unsupported(node, f"mode {node.attrs['mode']!r}; only 'constant' padding is supported")
    pads, axes = ints(pads), [a % x.ndim for a in ints(axes)] or list(range(x.ndim))
    if min(pads, default=0) < 0:
        raise unsupported(node, "negative pads (cropping)")
    widths = [(0, 0)] * x.ndim
    for i, axis in enumerate(axes):
        widths[axis] = (pads[i], pads[i + len(axes)])
    fill = 0.0 if value is None else number(value)
    return pad_with(x, widths, fill)


# ---- dlsys_lab -> ONNX --------------------------------------------------------------------------------------
@exports(sh.Reshape)
def _write_reshape(emit, op, names, tensors, out):
    return emit.node("Reshape", [names[0], emit.ints(op.shape)])


@exports(sh.Transpose)
def _write_transpose(emit, op, names, tensors, out):
    return emit.node("Transpose", names, perm=list(op.axes))


@exports(sh.BroadcastTo)
def _write_expand(emit, op, names, tensors, out):
    return emit.node("Expand", [names[0], emit.ints(op.shape)])


@exports(sh.GetItem)
def _write_getitem(emit, op, names, tensors, out):
    shape, axes, starts, ends, steps, dropped = tensors[0].shape, [], [], [], [], []
    for axis, (item, n) in enumerate(zip(op.index, shape)):
        if isinstance(item, int):
            item, _ = slice(item, item + 1, 1), dropped.append(axis)
        if item != slice(0, n, 1):
            axes.append(axis), starts.append(item.start), ends.append(item.stop), steps.append(item.step)
    x = names[0]
    if axes:
        x = emit.node("Slice", [x, emit.ints(starts), emit.ints(ends), emit.ints(axes), emit.ints(steps)])
    if dropped:
        x = emit.with_axes("Squeeze", x, dropped, 13)
    return x if x != names[0] else emit.node("Identity", [x])


@exports(sh.Stack)
def _write_stack(emit, op, names, tensors, out):
    parts = [emit.with_axes("Unsqueeze", name, [op.axis], 13) for name in names]
    return emit.node("Concat", parts, axis=op.axis)


@exports(sh.Pad)
def _write_pad(emit, op, names, tensors, out):
    pads = [lo for lo, _ in op.widths] + [hi for _, hi in op.widths]
    return emit.node("Pad", [names[0], emit.ints(pads)])


@exports(sh.Flip)
def _write_flip(emit, op, names, tensors, out):
    k = len(op.axes)
    return emit.node("Slice", [names[0], emit.ints([-1] * k), emit.ints([-INT64_MAX] * k), emit.ints(op.axes),
                               emit.ints([-1] * k)])


@exports(sh.ToDevice)
def _write_to_device(emit, op, names, tensors, out):
    return emit.node("Identity", names)
