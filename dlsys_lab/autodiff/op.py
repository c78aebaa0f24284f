"""The Op base class: an operation computes its forward on backend arrays and its
vector-Jacobian product on Tensors, so gradients are Tensors and can be differentiated again.
"""
from __future__ import annotations

from time import perf_counter_ns

from .hooks import OP_HOOK
from .mode import GRAD_MODE
from .tensor import Tensor, make_tensor


class Op:
    """One operation. Subclasses define `forward(nd, *arrays)` and `backward(out_grad, node)`.

    `nd` is the inputs' backend; `forward` may call only its protocol functions. `backward`
    returns one Tensor per input, shaped like the output for broadcasting ops (the engine sums
    it back to the input's shape), or None for an input that has no gradient.
    """

    __slots__ = ()

    def __call__(self, *inputs: Tensor) -> Tensor:
        if OP_HOOK.tracer is not None:  # dl.export is tracing: it runs this call and writes it as a graph node
            return OP_HOOK.tracer.forward(self, inputs)
        nd = inputs[0].backend
        for other in inputs[1:]:
            if other.backend is not nd:
                raise ValueError(
                    f"{self.name}: tensors on different devices ({inputs[0].device} and {other.device}); "
                    f"move one with .to(device)")
        arrays = [t.data for t in inputs]
        profiler = OP_HOOK.profiler
        start = 0 if profiler is None else perf_counter_ns()
        try:
            data = self.forward(nd, *arrays)
        except (ValueError, IndexError, TypeError) as err:
            shapes = " and ".join(str(t.shape) for t in inputs)
            raise ValueError(f"{self.name}: cannot apply to shapes {shapes} ({err})") from err
        if profiler is not None:  # dl.profile() is on: it keeps the forward's wall time and what it allocated
            profiler.forward(self, arrays, data, start, perf_counter_ns(), inputs[0].device)
        if GRAD_MODE.enabled:
            for t in inputs:
                if t.requires_grad:
                    return make_tensor(data, nd, inputs[0].device, self, inputs, True)
        return make_tensor(data, nd, inputs[0].device, None, (), False)

    @property
    def name(self) -> str:
        """The op's name in error messages and graph drawings."""
        return type(self).__name__

    def forward(self, nd, *arrays):
        """The output array computed from the input arrays with backend `nd`."""
        raise NotImplementedError(f"{self.name} must define forward(nd, *arrays)")

    def backward(self, out_grad: Tensor, node: Tensor):
        """One gradient Tensor (or None) per input of `node`, given the output's gradient."""
        raise NotImplementedError(f"{self.name} must define backward(out_grad, node)")
