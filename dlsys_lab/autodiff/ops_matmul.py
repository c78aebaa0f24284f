"""Matrix multiplication, batched and broadcasting over leading axes like NumPy's matmul.

1-D operands are treated as a row (left) or column (right) vector and that axis is dropped.
"""
from __future__ import annotations

from .autocast import AUTOCAST, autocast_matmul
from .op import Op
from .ops_elementwise import as_tensor
from .tensor import Tensor


class MatMul(Op):
    __slots__ = ()

    def forward(self, nd, a, b):
        return nd.matmul(a, b)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff MatMul.backward
        a, b = node.inputs
        return out_grad @ b.transpose(), a.transpose() @ out_grad
        # END LAB lab02_autodiff


_MATMUL = MatMul()


def matmul(a: Tensor, b) -> Tensor:
    """a @ b with NumPy's rules for batching and 1-D operands; errors name both shapes."""
    b = as_tensor(b, a)
    a_shape, b_shape = a.shape, b.shape
    if not a_shape or not b_shape:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape}: 0-d tensors cannot be multiplied with @")
    inner_a = a_shape[-1]
    inner_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} do not align ({inner_a} != {inner_b})")
    if len(a_shape) >= 2 and len(b_shape) >= 2:
        if AUTOCAST.dtype is not None:  # inside dl.amp.autocast: the product in low precision
            return autocast_matmul(a, b)
        return _MATMUL(a, b)
    row = a.reshape((1,) + a_shape) if len(a_shape) == 1 else a
    col = b.reshape(b_shape + (1,)) if len(b_shape) == 1 else b
    out = _MATMUL(row, col)
    out_shape = out.shape
    if len(b_shape) == 1:
        out_shape = out_shape[:-1]
    if len(a_shape) == 1:
        out_shape = out_shape[:-2] + out_shape[-1:] if len(b_shape) > 1 else out_shape[:-1]
    return out.reshape(out_shape)
