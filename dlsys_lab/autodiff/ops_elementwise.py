"""Elementwise ops: arithmetic (broadcasting like NumPy, with Python scalars) and unary functions.

Binary backwards return gradients in the output's shape; the engine sums them back to each input.
"""
from __future__ import annotations

import numbers

from .op import Op
from .tensor import Tensor, make_tensor

# dl.ops takes these names (dlsys_lab/ops.py)
__all__ = ["add", "sub", "mul", "div", "neg", "power", "power_tensor", "astype", "exp", "log", "tanh", "sigmoid",
           "sqrt", "relu", "abs"]


def constant(data, like: Tensor) -> Tensor:
    """A Tensor around backend array `data`, on like's device, outside any graph."""
    return make_tensor(data, like.backend, like.device, None, (), False)


def as_tensor(value, like: Tensor) -> Tensor:
    """`value` itself if it is a Tensor, else a constant Tensor on like's device and dtype."""
    if isinstance(value, Tensor):
        return value
    return Tensor(value, device=like.device, dtype=like.dtype, requires_grad=False)


# ---- tensor (op) tensor ------------------------------------------------------------------------
class Add(Op):
    __slots__ = ()

    def forward(self, nd, a, b):
        return nd.add(a, b)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Add.backward
        return out_grad, out_grad
        # END LAB lab02_autodiff


class Sub(Op):
    __slots__ = ()

    def forward(self, nd, a, b):
        return nd.sub(a, b)

    def backward(self, out_grad, node):
        return out_grad, -out_grad


class Mul(Op):
    __slots__ = ()

    def forward(self, nd, a, b):
        return nd.mul(a, b)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Mul.backward
        a, b = node.inputs
        return out_grad * b, out_grad * a
        # END LAB lab02_autodiff


class Div(Op):
    __slots__ = ()

    def forward(self, nd, a, b):
        return nd.div(a, b)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Div.backward
        a, b = node.inputs
        grad_a = out_grad / b
        return grad_a, -grad_a * node
        # END LAB lab02_autodiff


# ---- tensor (op) Python scalar ------------------------------------------------------------------
class ScalarOp(Op):
    """An op with a Python number `c` fixed at construction."""

    __slots__ = ("c",)

    def __init__(self, c: float):
        self.c = float(c)


class AddScalar(ScalarOp):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.add(a, self.c)

    def backward(self, out_grad, node):
        return (out_grad,)


class MulScalar(ScalarOp):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.mul(a, self.c)

    def backward(self, out_grad, node):
        return (out_grad * self.c,)


class DivScalar(ScalarOp):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.div(a, self.c)

    def backward(self, out_grad, node):
        return (out_grad / self.c,)


class RSubScalar(ScalarOp):
    """c - a."""

    __slots__ = ()

    def forward(self, nd, a):
        return nd.rsub(a, self.c)

    def backward(self, out_grad, node):
        return (-out_grad,)


class RDivScalar(ScalarOp):
    """c / a."""

    __slots__ = ()

    def forward(self, nd, a):
        return nd.rdiv(a, self.c)

    def backward(self, out_grad, node):
        (a,) = node.inputs
        return (-out_grad * node / a,)


class PowerScalar(ScalarOp):
    """a ** c."""

    __slots__ = ()

    def forward(self, nd, a):
        return nd.power(a, self.c)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff PowerScalar.backward
        (a,) = node.inputs
        if self.c == 0:
            return (out_grad * 0.0,)
        return (out_grad * (a ** (self.c - 1)) * self.c,)
        # END LAB lab02_autodiff


# ---- unary ----------------------------------------------------------------------------------
class Neg(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.neg(a)

    def backward(self, out_grad, node):
        return (-out_grad,)


class Exp(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.exp(a)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Exp.backward
        return (out_grad * node,)
        # END LAB lab02_autodiff


class Log(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.log(a)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Log.backward
        return (out_grad / node.inputs[0],)
        # END LAB lab02_autodiff


class Tanh(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.tanh(a)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff Tanh.backward
        return (out_grad * (1.0 - node * node),)
        # END LAB lab02_autodiff


class Sigmoid(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.sigmoid(a)

    def backward(self, out_grad, node):
        return (out_grad * node * (1.0 - node),)


class Sqrt(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.sqrt(a)

    def backward(self, out_grad, node):
        return (out_grad / (node * 2.0),)


class Abs(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.ewise("abs", a)

    def backward(self, out_grad, node):
        a = node.inputs[0]
        nd = a.backend
        sign = nd.sub(nd.gt(a.data, 0.0), nd.lt(a.data, 0.0))  # sign(a): its derivative at 0 is 0, like torch
        return (out_grad * constant(sign, a),)


class ReLU(Op):
    __slots__ = ()

    def forward(self, nd, a):
        return nd.maximum(a, 0.0)

    def backward(self, out_grad, node):
        # BEGIN LAB lab02_autodiff ReLU.backward
        a = node.inputs[0]
        nd = a.backend
        positive = nd.rsub(nd.eq(node.data, 0.0), 1.0)  # 1 where relu(a) != 0, i.e. a > 0: relu'(0) = 0 like torch
        return (out_grad * constant(positive, a),)
        # END LAB lab02_autodiff


class AsType(Op):
    __slots__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def forward(self, nd, a):
        return nd.astype(a, self.dtype)

    def backward(self, out_grad, node):
        return (out_grad.astype(node.inputs[0].dtype),)


_ADD, _SUB, _MUL, _DIV = Add(), Sub(), Mul(), Div()
_NEG = Neg()


def _is_scalar(x) -> bool:
    return type(x) is float or type(x) is int or (
        not isinstance(x, Tensor) and isinstance(x, numbers.Real) and not isinstance(x, bool))


def add(a: Tensor, b) -> Tensor:
    """a + b, broadcasting; b may be a Python number."""
    return AddScalar(b)(a) if _is_scalar(b) else _ADD(a, as_tensor(b, a))


def sub(a: Tensor, b) -> Tensor:
    """a - b, broadcasting; b may be a Python number."""
    return AddScalar(-b)(a) if _is_scalar(b) else _SUB(a, as_tensor(b, a))


def rsub(a: Tensor, b) -> Tensor:
    """b - a, broadcasting; b may be a Python number."""
    return RSubScalar(b)(a) if _is_scalar(b) else _SUB(as_tensor(b, a), a)


def mul(a: Tensor, b) -> Tensor:
    """a * b, broadcasting; b may be a Python number."""
    return MulScalar(b)(a) if _is_scalar(b) else _MUL(a, as_tensor(b, a))


def div(a: Tensor, b) -> Tensor:
    """a / b, broadcasting; b may be a Python number."""
    return DivScalar(b)(a) if _is_scalar(b) else _DIV(a, as_tensor(b, a))


def rdiv(a: Tensor, b) -> Tensor:
    """b / a, broadcasting; b may be a Python number."""
    return RDivScalar(b)(a) if _is_scalar(b) else _DIV(as_tensor(b, a), a)


def power(a: Tensor, exponent: float) -> Tensor:
    """a ** exponent for a Python number exponent."""
    return PowerScalar(exponent)(a)


def neg(a: Tensor) -> Tensor:
    """-a."""
    return _NEG(a)


# ---- unary functions: each is dl.ops.<name> (listed in __all__) and the Tensor method <name> --------------
def _unary(op: Op, name: str, doc: str):
    """The function name(a) = op(a), also set as the method Tensor.name."""
    def function(a: Tensor) -> Tensor:
        return op(a)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    setattr(Tensor, name, function)
    return function


exp = _unary(Exp(), "exp", "e ** a, elementwise.")
log = _unary(Log(), "log", "Natural logarithm, elementwise.")
tanh = _unary(Tanh(), "tanh", "Hyperbolic tangent, elementwise.")
sigmoid = _unary(Sigmoid(), "sigmoid", "Logistic sigmoid 1 / (1 + exp(-a)), elementwise.")
sqrt = _unary(Sqrt(), "sqrt", "Square root, elementwise.")
relu = _unary(ReLU(), "relu", "max(a, 0), elementwise; its derivative at 0 is 0.")
abs = _unary(Abs(), "abs", "|a|, elementwise; its derivative at 0 is 0, like torch.")  # noqa: A001 (torch.abs)


def astype(a: Tensor, dtype: str) -> Tensor:
    """a converted to dtype; the gradient is converted back."""
    return AsType(dtype)(a)


# ---- tensor ** tensor (appended: the exponent may be a Tensor too) -----------------------------
class Power(Op):
    """a ** b for two tensors, broadcasting; d/db is a ** b * log(a), so it needs a > 0 where b's gradient matters."""

    __slots__ = ()

    def forward(self, nd, a, b):
        return nd.power_ewise(a, b)

    def backward(self, out_grad, node):
        a, b = node.inputs
        grad_a = out_grad * b * a ** (b - 1.0) if a.requires_grad else None
        grad_b = out_grad * node * a.log() if b.requires_grad else None
        return grad_a, grad_b


_POWER = Power()


def power_tensor(a, b) -> Tensor:
    """a ** b elementwise where either may be a Tensor (the other a Tensor or a number), broadcasting."""
    like = a if isinstance(a, Tensor) else b
    return _POWER(as_tensor(a, like), as_tensor(b, like))
