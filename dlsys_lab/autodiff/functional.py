"""Functional transforms in the style of JAX: grad, value_and_grad and vjp, composable with each other.

At top level a transform returns plain values; inside another transform's function it records its
gradients (create_graph) so the outer transform can differentiate them.
"""
from __future__ import annotations

from contextlib import contextmanager

from .graph import propagate
from .mode import is_grad_enabled
from .op import Op
from .tensor import Tensor, make_tensor


class Identity(Op):
    """Passes its input through; marks where a transform starts so outer transforms still see the path."""

    __slots__ = ()

    def forward(self, nd, a):
        return a

    def backward(self, out_grad, node):
        return (out_grad,)


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, dtype=None, requires_grad=False)


_depth = [0]  # how many transforms are evaluating their function right now


@contextmanager
def _evaluating():
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1


def _nested() -> bool:
    """True inside another transform's function (while recording): results must stay differentiable."""
    return _depth[0] > 0 and is_grad_enabled()


def _watch(x: Tensor) -> Tensor:
    """A tensor to differentiate with respect to: a fresh leaf, or (nested) an Identity node that keeps x's path."""
    if x.requires_grad and _nested():
        return Identity()(x)
    return make_tensor(x.data, x.backend, x.device, None, (), True)


def _zeros_like(x: Tensor) -> Tensor:
    return make_tensor(x.backend.full(x.shape, 0.0, x.dtype), x.backend, x.device, None, (), False)


def _check_output(out, name: str, scalar: bool) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: f must return a Tensor, got {type(out).__name__}")
    if scalar and out.size != 1:
        raise ValueError(f"{name}: f must return a scalar, got shape {out.shape}; use dl.vjp for non-scalar outputs")


def _gradients(out: Tensor, watched: list[Tensor], out_grad) -> list[Tensor]:
    if not out.requires_grad:
        return [_zeros_like(w) for w in watched]
    grads = propagate(out, out_grad, _nested(), wrt=watched)
    return [_zeros_like(w) if g is None else g for w, g in zip(watched, grads)]


def value_and_grad(f, argnums: int | tuple[int, ...] = 0):
    """A function returning (f(*args), gradient of scalar f w.r.t. args[argnums]) (a tuple for tuple argnums)."""
    def value_and_grad_f(*args):
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        args = [_as_tensor(a) if i in nums else a for i, a in enumerate(args)]
        watched = [_watch(args[i]) for i in nums]
        for i, w in zip(nums, watched):
            args[i] = w
        with _evaluating():
            out = f(*args)
        _check_output(out, "grad", scalar=True)
        grads = _gradients(out, watched, None)
        value = out if _nested() else out.detach()
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)
    return value_and_grad_f


def grad(f, argnums: int | tuple[int, ...] = 0):
    """A function returning the gradient of scalar f w.r.t. args[argnums]; dl.grad(dl.grad(f)) works."""
    value_and_grad_f = value_and_grad(f, argnums)

    def grad_f(*args):
        return value_and_grad_f(*args)[1]
    return grad_f


def vjp(f, *primals):
    """(f(*primals), vjp_fn) where vjp_fn(cotangent) returns one gradient per primal, like jax.vjp."""
    watched = [_watch(_as_tensor(p)) for p in primals]
    with _evaluating():
        out = f(*watched)
    _check_output(out, "vjp", scalar=False)

    def vjp_fn(cotangent) -> tuple[Tensor, ...]:
        """The cotangent pulled back through f: one Tensor per primal."""
        return tuple(_gradients(out, watched, cotangent))
    return (out if _nested() else out.detach()), vjp_fn
