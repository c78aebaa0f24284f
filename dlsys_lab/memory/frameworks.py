"""The same deep MLP (Linear + tanh blocks, squared-output loss) trained one step in dlsys_lab, PyTorch and
JAX, plain and checkpointed in segments: bytes and seconds per step, for lab 07 and bench/memory.py.

Bytes are what each framework can report on a CPU: dlsys_lab's counted peak of backend storage, the bytes
PyTorch saves for backward (saved_tensors_hooks), and XLA's temporary buffer size of the compiled step.
"""
from __future__ import annotations

import statistics
import time

import numpy as np


def _weights(n_layers, width, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((width, width)).astype(np.float32) / np.sqrt(width) for _ in range(n_layers)]


def _median_seconds(fn, repeats):
    fn()  # warm-up (JIT, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def dl_step(n_layers, width, batch, segments=None, device="numpy", repeats=3):
    """{'bytes': counted peak, 'seconds': median step, 'times': all} for dlsys_lab."""
    from dlsys_lab import memory, nn
    from dlsys_lab.autodiff.tensor import Tensor

    layers = []
    for w in _weights(n_layers, width):
        linear = nn.Linear(width, width, bias=False, device=device)
        linear.weight.data = linear.weight.backend.from_numpy(w)
        layers.append(nn.Sequential(linear, nn.Tanh()))
    x = Tensor(np.ones((batch, width), np.float32), device=device, requires_grad=False)

    def step():
        for layer in layers:
            layer.zero_grad()
        out = nn.Sequential(*layers)(x) if segments is None else nn.checkpoint_sequential(layers, segments, x)
        (out * out).sum().backward()

    with memory.track() as m:
        step()
    seconds, times = _median_seconds(step, repeats)
    return {"bytes": m.peak_bytes, "seconds": seconds, "times": times}


def torch_step(n_layers, width, batch, segments=None, repeats=3):
    """{'bytes': bytes saved for backward, 'seconds', 'times'} for PyTorch (torch.utils.checkpoint)."""
    import torch
    from torch.utils.checkpoint import checkpoint_sequential

    layers = []
    for w in _weights(n_layers, width):
        linear = torch.nn.Linear(width, width, bias=False)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
        layers += [linear, torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers)
    x = torch.ones(batch, width, requires_grad=True)

    def step():
        model.zero_grad()
        out = model(x) if segments is None else checkpoint_sequential(model, segments, x, use_reentrant=False)
        (out * out).sum().backward()

    saved = []

    def pack(t):
        saved.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    seconds, times = _median_seconds(step, repeats)
    return {"bytes": sum(saved), "seconds": seconds, "times": times}


def jax_step(n_layers, width, batch, segments=None, repeats=3):
    """{'bytes': XLA temp bytes of the jitted gradient, 'seconds', 'times'} for JAX (jax.checkpoint)."""
    import jax
    import jax.numpy as jnp

    from ..nn.recompute import segment_bounds

    ws = [jnp.asarray(w) for w in _weights(n_layers, width)]
    x = jnp.ones((batch, width), jnp.float32)

    def run(ws_piece, h):
        for w in ws_piece:
            h = jnp.tanh(h @ w)
        return h

    def loss(ws, h):
        if segments is None:
            h = run(ws, h)
        else:
            for start, stop in segment_bounds(len(ws), segments):
                h = jax.checkpoint(run)(ws[start:stop], h)
        return (h * h).sum()

    grad = jax.jit(jax.grad(loss))
    temp = grad.lower(ws, x).compile().memory_analysis().temp_size_in_bytes
    seconds, times = _median_seconds(lambda: jax.block_until_ready(grad(ws, x)), repeats)
    return {"bytes": int(temp), "seconds": seconds, "times": times}
