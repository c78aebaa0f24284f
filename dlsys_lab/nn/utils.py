"""Gradient utilities: clip_grad_norm_, torch.nn.utils's twin."""
from __future__ import annotations

import math

from ..autodiff.mode import no_grad
from ..autodiff.tensor import Tensor


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, eps: float = 1e-6) -> Tensor:
    """Scale all gradients by max_norm / (total + eps) when their joint norm `total` exceeds max_norm.

    Returns the total norm before clipping (a constant scalar Tensor), like torch; norm_type may be inf.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p for p in params if p.grad is not None]
    if not grads:
        raise ValueError("clip_grad_norm_: no parameter has a gradient; call backward() first")
    with no_grad():
        magnitudes = [(p.grad * p.grad).sqrt() for p in grads]
        if math.isinf(norm_type):
            total = max(m.max().item() for m in magnitudes)
        else:
            total = sum((m ** norm_type).sum().item() for m in magnitudes) ** (1.0 / norm_type)
        scale = max_norm / (total + eps)
        if scale < 1.0:
            for p in grads:
                p.grad = (p.grad * scale).detach()
    return Tensor(total, device=grads[0].device, dtype=grads[0].dtype, requires_grad=False)
