"""The autocast switch that ops read, and the one op it changes: matmul in a low-precision dtype.

`dl.amp.autocast(dtype)` sets AUTOCAST.dtype for its block (dlsys_lab/amp/autocast.py holds the policy's
documentation). Off, the ops below cost one attribute read each.
"""
from __future__ import annotations

import threading

from ..nd.dtypes import is_half
from .op import Op
from .tensor import Tensor


class _Autocast(threading.local):
    """The low-precision dtype of the current autocast block ('bfloat16' or 'float16'), or None; per thread."""

    def __init__(self):
        self.dtype = None


AUTOCAST = _Autocast()


class AutocastMatMul(Op):
    """a @ b with both operands cast to a low-precision dtype; the output stays in it (torch's autocast `mm`).

    The backward casts the incoming gradient to that dtype too, so the two backward products also run in low
    precision (float32 accumulation, as every half matmul), and returns each gradient in its input's dtype:
    float32 master weights receive float32 gradients.
    """

    __slots__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def forward(self, nd, a, b):
        return nd.matmul(nd.astype(a, self.dtype), nd.astype(b, self.dtype))

    def backward(self, out_grad, node):
        a, b = node.inputs
        g, low_a, low_b = out_grad.astype(self.dtype), a.astype(self.dtype), b.astype(self.dtype)
        return (g @ low_b.transpose()).astype(a.dtype), (low_a.transpose() @ g).astype(b.dtype)


_OPS = {}


def autocast_matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b in the autocast dtype (both operands at least 2-d, shapes already checked)."""
    op = _OPS.get(AUTOCAST.dtype) or _OPS.setdefault(AUTOCAST.dtype, AutocastMatMul(AUTOCAST.dtype))
    return op(a, b)


def float32_input(x: Tensor) -> Tensor:
    """x in float32 when an autocast block is active and x is a half (softmax, logsumexp and losses run in
    float32 under autocast); x itself otherwise."""
    if AUTOCAST.dtype is not None and is_half(x.dtype):
        return x.astype("float32")
    return x
