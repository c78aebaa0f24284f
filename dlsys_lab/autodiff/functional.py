"""Functional transforms in the style of JAX: grad, value_and_grad and vjp, composable with each other.

A transform records its inner gradients with create_graph whenever an outer transform is watching.
"""
from __future__ import annotations

from .graph import propagate, topological_order
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


def _watch(x: Tensor) -> Tensor:
    """A tensor to differentiate with respect to: a fresh leaf, or an Identity node when x is traced."""
    if x.requires_grad and is_grad_enabled():
        return Identity()(x)
    return make_tensor(x.data, x.backend, x.device, None, (), True)


def _traced_from_outside(out: Tensor, watched: list[Tensor]) -> bool:
    """True when an outer computation is recording: `out` reaches requires-grad tensors beyond `watched`."""
    if not is_grad_enabled():
        return False
    if any(w.op is not None for w in watched):
        return True
    watched_ids = frozenset(id(w) for w in watched)
    return any(node.op is None and id(node) not in watched_ids
               for node in topological_order(out, watched_ids))


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
    create_graph = _traced_from_outside(out, watched) or (isinstance(out_grad, Tensor) and out_grad.requires_grad
                                                          and is_grad_enabled())
    grads = propagate(out, out_grad, create_graph, wrt=watched)
    return [_zeros_like(w) if g is None else g for w, g in zip(watched, grads)]


def value_and_grad(f, argnums: int | tuple[int, ...] = 0):
    """A function returning (f(*args), gradient of scalar f w.r.t. args[argnums]) (a tuple for tuple argnums)."""
    def value_and_grad_f(*args):
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        args = [_as_tensor(a) if i in nums else a for i, a in enumerate(args)]
        watched = [_watch(args[i]) for i in nums]
        for i, w in zip(nums, watched):
            args[i] = w
        out = f(*args)
        _check_output(out, "grad", scalar=True)
        grads = _gradients(out, watched, None)
        value = out if _traced_from_outside(out, watched) else out.detach()
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
    out = f(*watched)
    _check_output(out, "vjp", scalar=False)

    def vjp_fn(cotangent) -> tuple[Tensor, ...]:
        """The cotangent pulled back through f: one Tensor per primal."""
        return tuple(_gradients(out, watched, cotangent))
    return (out if _traced_from_outside(out, watched) else out.detach()), vjp_fn
