"""Reverse-mode automatic differentiation: Tensor, ops with their vector-Jacobian products, the engine,
functional transforms (grad, value_and_grad, vjp) and gradcheck.
"""
from .functional import grad, value_and_grad, vjp
from .gradcheck import GradcheckError, gradcheck
from .mode import enable_grad, is_grad_enabled, no_grad
from .op import Op
from .tensor import Tensor

__all__ = ["Tensor", "Op", "grad", "value_and_grad", "vjp", "gradcheck", "GradcheckError",
           "no_grad", "enable_grad", "is_grad_enabled"]
