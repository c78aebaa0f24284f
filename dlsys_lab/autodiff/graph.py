"""Reverse mode over the recorded graph: an iterative topological sort and gradient propagation.

Broadcasting is undone here, in one place: a gradient shaped unlike its input is summed back to it.
"""
from __future__ import annotations

from .hooks import OP_HOOK
from .mode import grad_mode
from .tensor import Tensor


def topological_order(root: Tensor, stop_at: frozenset = frozenset()) -> list[Tensor]:
    """Nodes that require grad and reach `root`, inputs before outputs (no recursion: deep graphs are fine)."""
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
        grads = {id(output): _seed_gradient(output, out_grad)}
        for node in reversed(order):
            key = id(node)
            grad = grads.get(key) if key in stop_at else grads.pop(key, None)
            if grad is None or key in stop_at:
                continue
            if node.op is None:
                if wrt is None:
                    node.grad = grad if node.grad is None else node.grad + grad
                continue
            recorder = OP_HOOK.recorder
            input_grads = node.op.backward(grad, node) if recorder is None else recorder.backward(node, grad)
            for inp, inp_grad in zip(node.inputs, input_grads):
                if inp_grad is None or not inp.requires_grad:
                    continue
                if inp_grad.shape != inp.shape:
                    inp_grad = sum_to_shape(inp_grad, inp.shape)
                previous = grads.get(id(inp))
                grads[id(inp)] = inp_grad if previous is None else previous + inp_grad
    if wrt is not None:
        return [grads.get(id(t)) for t in wrt]
    return None


def backward(output: Tensor, out_grad=None, create_graph: bool = False) -> None:
    """Accumulate d(output)/d(leaf) into every leaf's `.grad`; see Tensor.backward."""
    propagate(output, out_grad, create_graph)


from .ops_elementwise import constant  # noqa: E402  (the ops need Tensor first)
from .ops_reduce import sum_to_shape  # noqa: E402
