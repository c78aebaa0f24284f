"""The lower-case functional API, `dl.ops.*`: every differentiable operation as a function.

Tensor methods and operators call the same functions.
"""
from .autodiff.ops_compare import eq, ge, gt, le, lt, ne
from .autodiff.ops_conv import conv2d, max_pool2d
from .autodiff.ops_dilate import dilate, undilate
from .autodiff import ops_elementwise as _elementwise
from .autodiff.ops_elementwise import *  # noqa: F401,F403 (add, sub, ..., exp, log, ..., abs: its __all__)
from .autodiff.ops_loss import cross_entropy, one_hot
from .autodiff.ops_matmul import matmul
from .autodiff.ops_reduce import logsumexp, mean, reduce_max, summation
from .autodiff.ops_shape import broadcast_to, flip, getitem, pad, reshape, split, stack, transpose
from .autodiff.tensor import Tensor


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) normalized to sum 1 along axis, computed stably."""
    return (x - logsumexp(x, axis, keepdims=True)).exp()


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(x)) along axis, computed stably."""
    return x - logsumexp(x, axis, keepdims=True)


__all__ = [*_elementwise.__all__,
           "matmul", "summation", "mean", "reduce_max", "logsumexp", "softmax", "log_softmax", "cross_entropy",
           "one_hot", "reshape", "transpose", "broadcast_to", "getitem", "stack", "split", "pad", "flip",
           "conv2d", "max_pool2d", "dilate", "undilate", "eq", "ne", "gt", "ge", "lt", "le"]
