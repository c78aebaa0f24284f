"""Shape ops: reshape, transpose, broadcast_to, indexing, stack/split, pad, flip, device moves.

Each backward is again a shape op, so these differentiate any number of times.
"""
from __future__ import annotations

from functools import lru_cache

from ..nd.shapes import permutation
from .op import Op
from .tensor import Tensor


class Reshape(Op):
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, nd, a):
        return nd.reshape(a, self.shape)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Reshape.backward
        return (out_grad.reshape(node.inputs[0].shape),)
        # END LAB lab02_autodiff


class Transpose(Op):
    __slots__ = ("axes",)

    def __init__(self, axes):
        self.axes = axes

    def forward(self, nd, a):
        return nd.permute(a, self.axes)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Transpose.backward
        inverse = [0] * len(self.axes)
        for i, axis in enumerate(self.axes):
            inverse[axis] = i
        return (Transpose(tuple(inverse))(out_grad),)
        # END LAB lab02_autodiff


class BroadcastTo(Op):
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, nd, a):
        return nd.broadcast_to(a, self.shape)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff BroadcastTo.backward
        return (sum_to_shape(out_grad, node.inputs[0].shape),)
        # END LAB lab02_autodiff


class GetItem(Op):
    """Basic indexing with a full tuple of ints and positive-step slices."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def forward(self, nd, a):
        return nd.getitem(a, self.index)

    def backward(self, out_grad, node):
        return (ScatterSlice(self.index, node.inputs[0].shape)(out_grad),)


class ScatterSlice(Op):
    """Zeros of `shape` with the input written at `index`: the adjoint of GetItem."""

    __slots__ = ("index", "shape")

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, nd, a):
        out = nd.full(self.shape, 0.0, nd.dtype(a))
        nd.setitem(out, self.index, a)
        return out

    def backward(self, out_grad, node):
        return (GetItem(self.index)(out_grad),)


class Stack(Op):
    __slots__ = ("axis",)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, nd, *arrays):
        return nd.stack(arrays, self.axis)

    def backward(self, out_grad, node):
        return split(out_grad, self.axis)


class Pad(Op):
    """Zero padding by ((before, after), ...) per axis."""

    __slots__ = ("widths",)

    def __init__(self, widths):
        self.widths = widths

    def forward(self, nd, a):
        return nd.pad(a, self.widths)

    def backward(self, out_grad, node):
        index = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.widths, node.inputs[0].shape))
        return (GetItem(index)(out_grad),)


class Flip(Op):
    __slots__ = ("axes",)

    def __init__(self, axes):
        self.axes = axes

    def forward(self, nd, a):
        return nd.flip(a, self.axes)

    def backward(self, out_grad, node):
        return (Flip(self.axes)(out_grad),)


class ToDevice(Op):
    """A copy on another device, through NumPy."""

    __slots__ = ("target",)

    def __init__(self, target):
        self.target = target

    def __call__(self, a):
        out = super().__call__(a)
        out.backend, out.device = self.target.backend, self.target
        return out

    def forward(self, nd, a):
        return self.target.backend.from_numpy(nd.to_numpy(a))

    def backward(self, out_grad, node):
        return (ToDevice(node.inputs[0].device)(out_grad),)


def reshape(a: Tensor, shape) -> Tensor:
    """a with a new shape; one entry may be -1."""
    shape = tuple(int(n) for n in shape)
    old = a.shape
    size = 1
    for n in old:
        size *= n
    if shape.count(-1) == 1:
        known = 1
        for n in shape:
            known *= n if n != -1 else 1
        if known and size % known == 0:
            shape = tuple(size // known if n == -1 else n for n in shape)
    new_size = 1
    for n in shape:
        new_size *= n
    if new_size != size or any(n < 0 for n in shape):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {old} ({size} elements) to {shape}")
    return a if shape == old else Reshape(shape)(a)


def transpose(a: Tensor, axes=None) -> Tensor:
    """Permute axes by the full permutation `axes`; None swaps the last two axes."""
    return Transpose(_permutation(None if axes is None else tuple(axes), a.shape))(a)


@lru_cache(maxsize=4096)
def _permutation(axes, shape) -> tuple[int, ...]:
    ndim = len(shape)
    if axes is None:
        if ndim < 2:
            raise ValueError(f"transpose() swaps the last two axes; shape {shape} has fewer than two")
        return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)
    return permutation(axes, shape, "transpose")


def broadcast_to(a: Tensor, shape) -> Tensor:
    """a broadcast to `shape` like NumPy; gradients are summed back."""
    shape = tuple(shape)
    old = a.shape
    if old == shape:
        return a
    lead = len(shape) - len(old)
    if lead < 0 or any(n not in (1, m) for n, m in zip(old, shape[lead:])):
        raise ValueError(f"broadcast_to: cannot broadcast shape {old} to {shape}")
    return BroadcastTo(shape)(a)


def normalize_index(index, shape) -> tuple:
    """A full-length tuple of in-range ints and positive-step slices, or an error that says why not."""
    if not isinstance(index, tuple):
        index = (index,)
    if any(item is Ellipsis for item in index):
        at = index.index(Ellipsis)
        rest = index[at + 1:]
        index = index[:at] + (slice(None),) * (len(shape) - len(index) + 1) + rest
    if len(index) > len(shape):
        raise IndexError(f"too many indices ({len(index)}) for a tensor of shape {shape}")
    index = index + (slice(None),) * (len(shape) - len(index))
    result = []
    for item, n in zip(index, shape):
        if isinstance(item, slice):
            start, stop, step = item.indices(n)
            if step <= 0:
                raise IndexError("slices need a positive step; reverse an axis with dl.ops.flip")
            result.append(slice(start, max(start, stop), step))
        elif isinstance(item, int) or hasattr(item, "__index__") and not hasattr(item, "shape"):
            i = int(item)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of range for an axis of size {n} (shape {shape})")
            result.append(i % n)
        else:
            raise IndexError(
                f"index {item!r}: only ints, slices and ... are supported; gather rows with "
                f"dl.nn.Embedding or a one-hot matrix product, add axes with reshape")
    return tuple(result)


def getitem(a: Tensor, index) -> Tensor:
    """a[index] for ints, positive-step slices and ...; a view where the backend allows."""
    return GetItem(normalize_index(index, a.shape))(a)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join equally shaped tensors along a new axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    ndim = tensors[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} is out of range for {ndim} dimensions")
    return Stack(axis % ndim)(*tensors)


def split(a: Tensor, axis: int = 0) -> tuple[Tensor, ...]:
    """The slices of a along `axis`, each without that axis (the inverse of stack)."""
    ndim = a.ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"split: axis {axis} is out of range for shape {a.shape}")
    axis %= ndim
    before = (slice(None),) * axis
    return tuple(GetItem(before + (i,))(a) for i in range(a.shape[axis]))


def pad(a: Tensor, widths) -> Tensor:
    """Zero padding; widths is ((before, after), ...) with one pair per axis."""
    widths = tuple((int(lo), int(hi)) for lo, hi in widths)
    if len(widths) != a.ndim or any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"pad: need {a.ndim} non-negative (before, after) pairs for shape {a.shape}, got {widths}")
    return Pad(widths)(a)


def flip(a: Tensor, axes) -> Tensor:
    """a reversed along axes."""
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    return Flip(tuple(axis % a.ndim for axis in axes))(a)


def to_device(a: Tensor, target) -> Tensor:
    """A copy of a on device `target`; gradients flow back to a's device."""
    return ToDevice(target)(a)


from .ops_reduce import sum_to_shape  # noqa: E402
