"""Reverse mode over the recorded graph: an iterative topological sort and gradient propagation.

Broadcasting is undone here, in one place: a gradient shaped unlike its input is summed back to it.
"""
from __future__ import annotations

from .hooks import OP_HOOK
from .mode import grad_mode
from .tensor import Tensor


def topological_order(root: Tensor, stop_at: frozenset = frozenset()) -> list[Tensor]:
    """Nodes that require grad and reach `root`, inputs before outputs (no recursion: deep graphs are fine)."""
    # BEGIN LAB lab02_autodiff topological_order
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if id(node) in stop_at:
            continue
        for inp in node.inputs:
            if inp.requires_grad and id(inp) not in visited:
                stack.append((inp, False))
    return order
    # END LAB lab02_autodiff


def _seed_gradient(output: Tensor, out_grad) -> Tensor:
    if out_grad is None:
        if output.size != 1:
            raise ValueError(
                f"backward on a non-scalar tensor of shape {output.shape} needs out_grad of that shape "
                f"(or reduce it first, e.g. .sum())")
        return constant(output.backend.full(output.shape, 1.0, output.dtype), output)
    if not isinstance(out_grad, Tensor):
        out_grad = Tensor(out_grad, device=output.device, dtype=output.dtype, requires_grad=False)
    if out_grad.shape != output.shape:
        raise ValueError(f"backward: out_grad has shape {out_grad.shape} but the output has shape {output.shape}")
    return out_grad


def propagate(output: Tensor, out_grad, create_graph: bool, wrt: list[Tensor] | None = None):
    """Push out_grad back through the graph.

    With `wrt=None`, accumulate into `.grad` of every leaf that requires grad; otherwise return
    the gradients of the tensors in `wrt` (None where unreached) and leave every `.grad` alone.
    """
    if not output.requires_grad:
        raise RuntimeError(
            f"backward: the output (shape {output.shape}) does not depend on any tensor with "
            f"requires_grad=True (was it computed under no_grad(), or from detached tensors?)")
    stop_at = frozenset(id(t) for t in wrt) if wrt is not None else frozenset()
    order = topological_order(output, stop_at)
    with grad_mode(create_graph):
        grads = accumulate_gradients(order, {id(output): _seed_gradient(output, out_grad)}, stop_at)
        if wrt is not None:
            return [grads.get(id(t)) for t in wrt]
        for node in order:
            grad = grads.get(id(node))
            if node.op is None and grad is not None:
                node.grad = grad if node.grad is None else node.grad + grad
    return None


def node_vjp(node: Tensor, grad: Tensor):
    """The vector-Jacobian product of the op that made `node`, through the profiler when one records."""
    profiler = OP_HOOK.profiler
    return node.op.backward(grad, node) if profiler is None else profiler.backward(node, grad)


def accumulate_gradients(order: list[Tensor], grads: dict, stop_at: frozenset = frozenset()) -> dict:
    """Walk `order` (inputs before outputs) from the last node back, pushing each node's gradient through its op.

    `grads` maps id(tensor) to its gradient so far (the output's seed at the start). A tensor used by several
    ops receives the sum of their contributions, summed back to its own shape when its op broadcast it. A node's
    gradient is complete when its turn comes. Returns `grads`, which then holds the gradient of every leaf
    reached and of every node in `stop_at` (whose ops are not gone through); the others are dropped once used.
    """
    # BEGIN LAB lab02_autodiff accumulate_gradients
    for node in reversed(order):
        key = id(node)
        if node.op is None or key in stop_at:
            continue
        grad = grads.pop(key, None)
        if grad is None:
            continue
        for inp, inp_grad in zip(node.inputs, node_vjp(node, grad)):
            if inp_grad is None or not inp.requires_grad:
                continue
            if inp_grad.shape != inp.shape:
                inp_grad = sum_to_shape(inp_grad, inp.shape)
            previous = grads.get(id(inp))
            grads[id(inp)] = inp_grad if previous is None else previous + inp_grad
    return grads
    # END LAB lab02_autodiff


def backward(output: Tensor, out_grad=None, create_graph: bool = False) -> None:
    """Accumulate d(output)/d(leaf) into every leaf's `.grad`; see Tensor.backward."""
    propagate(output, out_grad, create_graph)


from .ops_elementwise import constant  # noqa: E402  (the ops need Tensor first)
from .ops_reduce import sum_to_shape  # noqa: E402
