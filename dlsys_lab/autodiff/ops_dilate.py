"""dilate and undilate (CMU needle's semantics): spread an array's entries `dilation` zeros apart along
some axes, and the inverse, which keeps every (dilation + 1)-th entry. They are each other's adjoint,
and a strided convolution's gradient is a convolution with a dilated gradient.
"""
from __future__ import annotations

from .op import Op
from .tensor import Tensor


def _every(axes, dilation, ndim):
    """The index that picks every (dilation + 1)-th entry along axes."""
    return tuple(slice(None, None, dilation + 1) if d in axes else slice(None) for d in range(ndim))


class Dilate(Op):
    __slots__ = ("axes", "dilation")

    def __init__(self, axes, dilation):
        self.axes, self.dilation = axes, dilation

    def forward(self, nd, a):
        shape = nd.shape(a)
        out_shape = tuple(n * (self.dilation + 1) if d in self.axes else n for d, n in enumerate(shape))
        out = nd.full(out_shape, 0.0, nd.dtype(a))
        nd.setitem(out, _every(self.axes, self.dilation, len(shape)), a)
        return out

    def backward(self, out_grad, node):
        return (undilate(out_grad, self.axes, self.dilation),)


class Undilate(Op):
    __slots__ = ("axes", "dilation")

    def __init__(self, axes, dilation):
        self.axes, self.dilation = axes, dilation

    def forward(self, nd, a):
        return nd.getitem(a, _every(self.axes, self.dilation, len(nd.shape(a))))

    def backward(self, out_grad, node):
        (a,) = node.inputs
        grad = dilate(out_grad, self.axes, self.dilation)
        if grad.shape != a.shape:  # a's length along an axis was not a multiple of dilation + 1
            grad = grad[tuple(slice(0, n) for n in a.shape)]
        return (grad,)


def _check(name, a, axes, dilation):
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    if int(dilation) != dilation or dilation < 0:
        raise ValueError(f"{name}: dilation must be an integer >= 0, got {dilation!r}")
    if any(not -a.ndim <= ax < a.ndim for ax in axes):
        raise ValueError(f"{name}: axes {axes} out of range for shape {a.shape}")
    return tuple(sorted({ax % a.ndim for ax in axes})), int(dilation)


def dilate(a: Tensor, axes, dilation: int) -> Tensor:
    """a with `dilation` zeros after each entry along `axes` (each such axis grows by a factor dilation + 1)."""
    axes, dilation = _check("dilate", a, axes, dilation)
    return Dilate(axes, dilation)(a) if dilation else a


def undilate(a: Tensor, axes, dilation: int) -> Tensor:
    """Every (dilation + 1)-th entry of a along `axes`: the inverse of dilate."""
    axes, dilation = _check("undilate", a, axes, dilation)
    return Undilate(axes, dilation)(a) if dilation else a
