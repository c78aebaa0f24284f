"""Recurrent layers, twins of torch's: RNNCell, LSTMCell, and the multi-layer RNN and LSTM (batch_first=True).

Parameter names and the LSTM's gate order (input, forget, cell, output) are torch's, so its state_dict loads
as is. A layer projects all time steps of its input at once; only the recurrent product runs step by step.
"""
from __future__ import annotations

import math

import numpy as np

from ..autodiff.ops_shape import stack
from ..autodiff.tensor import Tensor
from . import init
from .module import Module, Parameter

NONLINEARITIES = ("tanh", "relu")


def _uniform_parameter(shape, hidden_size, device, dtype) -> Parameter:
    """torch's recurrent initialization: U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    bound = 1.0 / math.sqrt(hidden_size)
    return Parameter(init.uniform(shape, -bound, bound), device, dtype)


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    y = x @ weight.transpose()
    return y if bias is None else y + bias


def rnn_step(x_proj: Tensor, h: Tensor, weight_hh, bias_hh, nonlinearity: str = "tanh") -> Tensor:
    """One Elman step: act(x_proj + h @ weight_hh^T + bias_hh), where x_proj already holds x @ weight_ih^T + bias_ih."""
    z = x_proj + _affine(h, weight_hh, bias_hh)
    return z.tanh() if nonlinearity == "tanh" else z.relu()


def lstm_step(x_proj: Tensor, h: Tensor, c: Tensor, weight_hh, bias_hh) -> tuple[Tensor, Tensor]:
    """One LSTM step from the projected input: (h', c') with gates input, forget, cell, output in torch's order."""
    gates = x_proj + _affine(h, weight_hh, bias_hh)
    n = h.shape[-1]
    i, f, o = gates[:, :n].sigmoid(), gates[:, n:2 * n].sigmoid(), gates[:, 3 * n:].sigmoid()
    c = f * c + i * gates[:, 2 * n:3 * n].tanh()
    return o * c.tanh(), c


def _zeros(like: Tensor, shape) -> Tensor:
    return Tensor(np.zeros(shape), device=like.device, dtype=like.dtype, requires_grad=False)


class RNNCell(Module):
    """h' = act(x @ weight_ih^T + bias_ih + h @ weight_hh^T + bias_hh) on (B, input_size) inputs."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype="float32"):
        super().__init__()
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}; use one of {NONLINEARITIES}")
        self.input_size, self.hidden_size, self.nonlinearity = input_size, hidden_size, nonlinearity
        rows = self.gates * hidden_size
        self.weight_ih = _uniform_parameter((rows, input_size), hidden_size, device, dtype)
        self.weight_hh = _uniform_parameter((rows, hidden_size), hidden_size, device, dtype)
        self.bias_ih = _uniform_parameter((rows,), hidden_size, device, dtype) if bias else None
        self.bias_hh = _uniform_parameter((rows,), hidden_size, device, dtype) if bias else None

    def _check(self, x: Tensor) -> None:
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"{type(self).__name__}({self.input_size}, {self.hidden_size}) takes "
                             f"(B, {self.input_size}) inputs, got {x.shape}")

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check(x)
        h = _zeros(x, (x.shape[0], self.hidden_size)) if hx is None else hx
        return rnn_step(_affine(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh, self.nonlinearity)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class LSTMCell(RNNCell):
    """One LSTM step on (B, input_size) inputs: (h', c') from (h, c), zeros when hx is None."""

    gates = 4

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype="float32"):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype)

    def forward(self, x: Tensor, hx=None) -> tuple[Tensor, Tensor]:
        self._check(x)
        if hx is None:
            hx = (_zeros(x, (x.shape[0], self.hidden_size)),) * 2
        return lstm_step(_affine(x, self.weight_ih, self.bias_ih), hx[0], hx[1], self.weight_hh, self.bias_hh)


class RNN(Module):
    """A stack of num_layers Elman layers over (B, T, input_size) inputs -> (output (B, T, H), h_n (layers, B, H))."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, device=None, dtype="float32"):
        super().__init__()
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}; use one of {NONLINEARITIES}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.nonlinearity, self.bias = nonlinearity, bias
        rows = self.gates * hidden_size
        for k in range(num_layers):
            size_in = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", _uniform_parameter((rows, size_in), hidden_size, device, dtype))
            setattr(self, f"weight_hh_l{k}", _uniform_parameter((rows, hidden_size), hidden_size, device, dtype))
            if bias:
                setattr(self, f"bias_ih_l{k}", _uniform_parameter((rows,), hidden_size, device, dtype))
                setattr(self, f"bias_hh_l{k}", _uniform_parameter((rows,), hidden_size, device, dtype))

    def layer(self, k: int):
        """(weight_ih, weight_hh, bias_ih, bias_hh) of layer k (biases None without bias)."""
        return tuple(getattr(self, f"{name}_l{k}", None) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def _check(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"{type(self).__name__}({self.input_size}, {self.hidden_size}) takes batch-first "
                             f"(B, T, {self.input_size}) inputs, got {x.shape}")

    def _initial(self, x: Tensor, given: Tensor | None) -> list[Tensor]:
        """The per-layer initial states from a (layers, B, H) tensor, or zeros."""
        if given is None:
            return [_zeros(x, (x.shape[0], self.hidden_size))] * self.num_layers
        if given.shape != (self.num_layers, x.shape[0], self.hidden_size):
            raise ValueError(f"initial state must be ({self.num_layers}, {x.shape[0]}, {self.hidden_size}), "
                             f"got {given.shape}")
        return [given[k] for k in range(self.num_layers)]

    def forward(self, x: Tensor, hx: Tensor | None = None):
        """(output (B, T, H) of the last layer, h_n (num_layers, B, H))."""
        self._check(x)
        finals = []
        for k, h in enumerate(self._initial(x, hx)):
            w_ih, w_hh, b_ih, b_hh = self.layer(k)
            proj, outputs = _affine(x, w_ih, b_ih), []
            for t in range(x.shape[1]):
                h = rnn_step(proj[:, t], h, w_hh, b_hh, self.nonlinearity)
                outputs.append(h)
            x = stack(outputs, 1)
            finals.append(h)
        return x, stack(finals, 0)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"


class LSTM(RNN):
    """A stack of LSTM layers over (B, T, input_size) -> (output (B, T, H), (h_n, c_n) each (layers, B, H))."""

    gates = 4

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 device=None, dtype="float32"):
        super().__init__(input_size, hidden_size, num_layers, "tanh", bias, device, dtype)

    def forward(self, x: Tensor, hx=None):
        """(output (B, T, H), (h_n, c_n)); hx is (h_0, c_0), each (num_layers, B, H), or None for zeros."""
        self._check(x)
        hs = self._initial(x, None if hx is None else hx[0])
        cs = self._initial(x, None if hx is None else hx[1])
        h_final, c_final = [], []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self.layer(k)
            proj, outputs, h, c = _affine(x, w_ih, b_ih), [], hs[k], cs[k]
            for t in range(x.shape[1]):
                h, c = lstm_step(proj[:, t], h, c, w_hh, b_hh)
                outputs.append(h)
            x = stack(outputs, 1)
            h_final.append(h)
            c_final.append(c)
        return x, (stack(h_final, 0), stack(c_final, 0))
