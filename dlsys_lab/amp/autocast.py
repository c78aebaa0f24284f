"""`with dl.amp.autocast("bfloat16"):` the ops of a forward pass pick their own precision, like torch.autocast.

The policy (torch's CPU autocast policy, reduced to the ops dlsys_lab has):
- low precision (operands cast to the autocast dtype, output in it): matmul and everything built on `@`,
  so Linear's product (its bias add then promotes to float32, as NumPy's and torch's type promotion do; torch's
  autocast `linear` casts the bias too and keeps a bfloat16 output);
- float32 (half inputs widened first): cross_entropy / CrossEntropyLoss, MSELoss, logsumexp, the fused softmax;
- everything else runs in the dtype of its inputs; reductions of half arrays accumulate in float32 anyway.
Parameters are never converted: they are the float32 master weights and receive float32 gradients, because a
cast's backward returns the gradient in its input's dtype. The backward pass needs no autocast block: the
autocast matmul's backward is itself low precision.
"""
from __future__ import annotations

from contextlib import contextmanager

from dlsys_lab.autodiff.autocast import AUTOCAST
from dlsys_lab.nd.dtypes import HALF

LOW_PRECISION_OPS = ("matmul", "Linear (its x @ W.T)")
FLOAT32_OPS = ("cross_entropy", "CrossEntropyLoss", "MSELoss", "logsumexp", "softmax (fused)")


@contextmanager
def autocast(dtype: str = "bfloat16", enabled: bool = True):
    """Run matmuls in `dtype` ('bfloat16' or 'float16') and losses/softmax in float32 inside the block."""
    if dtype not in HALF:
        raise ValueError(f"autocast dtype must be one of {HALF}, got {dtype!r}")
    previous = AUTOCAST.dtype
    AUTOCAST.dtype = dtype if enabled else None
    try:
        yield
    finally:
        AUTOCAST.dtype = previous


def autocast_dtype() -> str | None:
    """The dtype of the active autocast block, or None outside one."""
    return AUTOCAST.dtype
