"""Shape arithmetic shared by the tensor ops (autodiff) and the strided NDArray: compact strides, broadcasting,
reduction axes and axis permutations (pure functions of tuples, cached, each error naming what was asked), and
`Shaped`, the `ndim` and `size` both classes derive from their `shape`."""
from __future__ import annotations

import functools
import math


class Shaped:
    """`ndim` and `size` of whatever has a `shape` (the NDArray and the Tensor)."""

    __slots__ = ()

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of elements."""
        return math.prod(self.shape)


@functools.lru_cache(maxsize=4096)
def compact_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides, in elements, of a compact array of this shape."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


@functools.lru_cache(maxsize=4096)
def broadcast_shapes(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape NumPy broadcasting gives a and b, or a ValueError naming both."""
    out = []
    for x, y in zip(((1,) * (len(b) - len(a))) + a, ((1,) * (len(a) - len(b))) + b):
        if x != y and 1 not in (x, y):
            raise ValueError(f"shapes {a} and {b} cannot be broadcast together (sizes {x} and {y} differ)")
        out.append(y if x == 1 else x)
    return tuple(out)


def normalize_axes(axes, ndim: int, op_name: str) -> tuple[int, ...]:
    """`axes` (None, an int or a sequence, negatives allowed) as a sorted tuple of non-negative ints."""
    return _normalize_axes(tuple(axes) if isinstance(axes, list) else axes, ndim, op_name)


@functools.lru_cache(maxsize=4096)
def _normalize_axes(axes, ndim, op_name):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        axes = (axes,)
    if ndim == 0:  # like torch, a 0-d tensor accepts axis 0 or -1 and has nothing to reduce
        if any(axis not in (0, -1) for axis in axes):
            raise ValueError(f"{op_name}: axes {tuple(axes)} are out of range for a 0-d tensor")
        return ()
    result = []
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(f"{op_name}: axis {axis} is out of range for a tensor with {ndim} dimensions")
        result.append(axis % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{op_name}: repeated axis in {tuple(axes)}")
    return tuple(sorted(result))


def keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced `axes` kept as size 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


@functools.lru_cache(maxsize=1024)
def permutation(axes: tuple, shape: tuple[int, ...], op_name: str) -> tuple[int, ...]:
    """axes with negative entries wrapped, or a ValueError when they are not a permutation of shape's axes."""
    ndim = len(shape)
    wrapped = tuple(int(a) % ndim if ndim else int(a) for a in axes)
    if sorted(wrapped) != list(range(ndim)):
        raise ValueError(f"{op_name}: axes {wrapped} are not a permutation of the {ndim} axes of shape {shape}")
    return wrapped
