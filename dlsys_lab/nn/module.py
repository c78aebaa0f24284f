"""Module, Parameter and Buffer: how a model names its trainable and saved state.

A module finds its parameters, buffers and submodules among its attributes, in the order they were set.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.hooks import OP_HOOK
from ..autodiff.tensor import Tensor
from ..nd.device import device as _device


class Parameter(Tensor):
    """A Tensor that a Module trains: it always requires grad."""

    __slots__ = ()

    def __init__(self, array, device=None, dtype: str | None = "float32"):
        super().__init__(array, device=device, dtype=dtype, requires_grad=True)


class Buffer(Tensor):
    """A Tensor that a Module saves in state_dict but does not train (e.g. BatchNorm's running mean)."""

    __slots__ = ()

    def __init__(self, array, device=None, dtype: str | None = "float32"):
        super().__init__(array, device=device, dtype=dtype, requires_grad=False)


class Module:
    """Base class of layers and models: subclasses set attributes in __init__ and define forward."""

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        """The module's computation."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        if OP_HOOK.tracer is not None:  # dl.export is tracing: it may write this module as one ONNX node
            return OP_HOOK.tracer.call(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # ---- what the module holds ----------------------------------------------------------------
    def named_members(self):
        """(name, value) for each Parameter, Buffer and submodule held directly, in attribute order."""
        # BEGIN LAB lab03_nn Module.named_members
        for name, value in vars(self).items():
            if isinstance(value, (Tensor, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item
        # END LAB lab03_nn

    def _named_state(self, kinds, prefix=""):
        # BEGIN LAB lab03_nn Module._named_state
        seen = set()
        for name, value in self.named_members():
            if isinstance(value, Module):
                for sub_name, sub in value._named_state(kinds, f"{prefix}{name}."):
                    if id(sub) not in seen:
                        seen.add(id(sub))
                        yield sub_name, sub
            elif isinstance(value, kinds) and id(value) not in seen:
                seen.add(id(value))
                yield prefix + name, value
        # END LAB lab03_nn

    def named_parameters(self):
        """(dotted name, Parameter) pairs of this module and its submodules."""
        return list(self._named_state(Parameter))

    def parameters(self) -> list[Parameter]:
        """Every Parameter, each once."""
        return [p for _, p in self._named_state(Parameter)]

    def named_buffers(self):
        """(dotted name, Buffer) pairs of this module and its submodules."""
        return list(self._named_state(Buffer))

    def modules(self):
        """This module and every submodule, depth first."""
        # BEGIN LAB lab03_nn Module.modules
        found, stack = [], [self]
        while stack:
            module = stack.pop()
            found.append(module)
            stack.extend(reversed([m for _, m in module.named_members() if isinstance(m, Module)]))
        return found
        # END LAB lab03_nn

    # ---- modes, gradients, devices -----------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active, batch statistics) for this module and its submodules."""
        # BEGIN LAB lab03_nn Module.train
        for module in self.modules():
            module.training = mode
        return self
        # END LAB lab03_nn

    def eval(self) -> "Module":
        """Evaluation mode (dropout off, running statistics)."""
        # BEGIN LAB lab03_nn Module.eval
        return self.train(False)
        # END LAB lab03_nn

    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for p in self.parameters():
            p.grad = None

    def to(self, device) -> "Module":
        """Move every parameter and buffer to `device`, in place; returns self."""
        target = _device(device)
        for _, t in self._named_state((Parameter, Buffer)):
            t.data = target.backend.from_numpy(np.array(t.numpy()))
            t.backend, t.device, t.grad = target.backend, target, None
        return self

    # ---- saving and loading ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter and buffer as NumPy arrays, by dotted name (savable with np.savez)."""
        # BEGIN LAB lab03_nn Module.state_dict
        return {name: np.array(t.numpy()) for name, t in self._named_state((Parameter, Buffer))}
        # END LAB lab03_nn

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy values (arrays, Tensors or torch tensors) into parameters and buffers of the same name."""
        # BEGIN LAB lab03_nn Module.load_state_dict
        own = dict(self._named_state((Parameter, Buffer)))
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}; "
                           f"this model's keys are {list(own)}")
        for name, t in own.items():
            if name not in state:
                continue
            value = state[name]
            value = value.numpy() if isinstance(value, Tensor) else np.asarray(
                value.detach().cpu().numpy() if hasattr(value, "detach") else value)
            if value.shape != t.shape:
                raise ValueError(f"load_state_dict: '{name}' has shape {t.shape} here but {value.shape} in the state")
            t.data = t.backend.from_numpy(np.array(value, dtype=t.dtype))
            t.grad = None
        # END LAB lab03_nn

    def __repr__(self):
        children = [(n, m) for n, m in self.named_members() if isinstance(m, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({n}): " + repr(m).replace("\n", "\n  ") for n, m in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        """The settings shown between the parentheses of repr()."""
        return ""
