"""Linear + bias + ReLU as one op: one matmul, then the bias and the ReLU applied in place in its output.

Unfused, the three are three ops: three output arrays allocated and written, three graph nodes recorded and walked
back. Fused, there is one of each; the backward needs only the output (relu(y) > 0 where y > 0).
"""
from __future__ import annotations

from ..autodiff.op import Op
from ..autodiff.ops_elementwise import constant
from ..autodiff.tensor import Tensor
from ..nn import Linear
from ..nn.module import Module


class LinearReLUOp(Op):
    """relu(x @ w.T + b) for x (N, in), w (out, in), b (out,)."""

    __slots__ = ()

    def forward(self, nd, x, w, b):
        y = nd.matmul(x, nd.permute(w, (1, 0)))
        nd.inplace("add", y, b)
        nd.inplace("maximum", y, 0.0)
        return y

    def backward(self, out_grad, node):
        x, w, _ = node.inputs
        nd = x.backend
        g = out_grad * constant(nd.rsub(nd.eq(node.data, 0.0), 1.0), x)  # relu'(y) = 1 where relu(y) != 0
        return g @ w, g.transpose() @ x, g.sum(axes=(0,))


_LINEAR_RELU = LinearReLUOp()


class LinearReLU(Module):
    """A Linear followed by a ReLU, computed by one fused op (2-d inputs; others go the unfused way)."""

    def __init__(self, linear: Linear):
        super().__init__()
        if linear.bias is None:
            raise ValueError("LinearReLU fuses a Linear with a bias; this one has none")
        self.linear = linear

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2:
            return self.linear(x).relu()
        return _LINEAR_RELU(x, self.linear.weight, self.linear.bias)

    def extra_repr(self):
        return f"{self.linear.in_features}, {self.linear.out_features}, fused ReLU"
