"""The roofline's kernels written three ways (NumPy, torch, dlsys_lab), each paired with its KernelCost.

Every builder returns a no-argument callable over inputs made once, so timing measures the kernel only.
"""
from __future__ import annotations

import math

import numpy as np

from dlsys_lab.bench import kernel_costs as costs

LIBRARIES = ("numpy", "torch", "dlsys_lab")


def _np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _np_conv2d(x, w):
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))  # N C Ho Wo R S
    return np.einsum("nchwrs,fcrs->nfhw", windows, w, optimize=True)


def attention_dl(q, k, v):
    """softmax(Q K^T / sqrt(d)) V with dlsys_lab ops (batched matmul and dl.ops.softmax)."""
    from dlsys_lab import ops

    scores = (q @ k.transpose((0, 2, 1))) * (1.0 / math.sqrt(q.shape[-1]))
    return ops.softmax(scores, axis=-1) @ v


def _dl_ops():
    from dlsys_lab import ops

    return ops


def _np_attention(q, k, v):
    return _np_softmax(q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])) @ v


def _torch_attention(q, k, v):
    torch, _ = _torch()
    return torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), -1) @ v


def _arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape, dtype=np.float32) for shape in shapes]


def _bind(library, arrays, numpy_fn, torch_fn, dl_fn, device):
    if library == "numpy":
        return lambda: numpy_fn(*arrays)
    if library == "torch":
        import torch

        tensors = [torch.from_numpy(a) for a in arrays]
        return lambda: torch_fn(*tensors)
    import dlsys_lab as dl

    tensors = [dl.Tensor(a, device=device, requires_grad=False) for a in arrays]
    return lambda: dl_fn(*tensors)


def _torch():
    import torch
    import torch.nn.functional as F

    return torch, F


def build(kernel: str, size: tuple, library: str, device: str = "cpu"):
    """(KernelCost, callable) for `kernel` at `size` in `library` (dlsys_lab runs on `device`)."""
    if library not in LIBRARIES:
        raise ValueError(f"library {library!r}; use one of {LIBRARIES}")
    torch, F = _torch()
    if kernel == "axpy":
        (n,) = size
        arrays = _arrays([(n,), (n,)])
        fns = (lambda x, y: 2.0 * x + y, lambda x, y: torch.add(y, x, alpha=2.0), lambda x, y: x * 2.0 + y)
        cost = costs.axpy(n)
    elif kernel == "sum":
        (n,) = size
        arrays = _arrays([(n,)])
        fns = (np.sum, torch.sum, lambda x: x.sum())
        cost = costs.reduce_sum(n)
    elif kernel == "softmax":
        rows, cols = size
        arrays = _arrays([(rows, cols)])
        fns = (_np_softmax, lambda x: torch.softmax(x, -1), lambda x: _dl_ops().softmax(x, axis=-1))
        cost = costs.softmax(rows, cols)
    elif kernel == "matmul":
        m, n, k = size
        arrays = _arrays([(m, k), (k, n)])
        fns = (np.matmul, torch.mm, lambda a, b: a @ b)
        cost = costs.matmul(m, n, k)
    elif kernel == "conv2d":
        batch, channels, hw, filters, r = size
        arrays = _arrays([(batch, channels, hw, hw), (filters, channels, r, r)])
        fns = (_np_conv2d, F.conv2d, lambda x, w: _dl_ops().conv2d(x, w))
        cost = costs.conv2d(batch, channels, hw, hw, filters, r)
    elif kernel == "attention":
        batch, seq, dim = size
        arrays = _arrays([(batch, seq, dim)] * 3)
        fns = (_np_attention, _torch_attention, attention_dl)
        cost = costs.attention(batch, seq, dim)
    else:
        raise ValueError(f"unknown kernel {kernel!r}; use one of {tuple(SIZES)}")
    return cost, _bind(library, arrays, *fns, device)


# sizes: the bandwidth-bound kernels once in cache and once far beyond it (16M floats = 64 MB)
SIZES = {
    "axpy": [(1 << 16,), (1 << 24,)],
    "sum": [(1 << 16,), (1 << 24,)],
    "softmax": [(256, 256), (4096, 4096)],
    "matmul": [(64, 64, 64), (256, 256, 256), (1024, 1024, 1024)],
    "conv2d": [(8, 16, 32, 32, 3), (16, 64, 32, 64, 3)],
    "attention": [(4, 128, 64), (8, 512, 64)],
}
FAST_SIZES = {
    "axpy": [(1 << 12,), (1 << 20,)],
    "sum": [(1 << 12,), (1 << 20,)],
    "softmax": [(64, 64), (512, 512)],
    "matmul": [(32, 32, 32), (128, 128, 128)],
    "conv2d": [(2, 4, 12, 8, 3)],
    "attention": [(2, 32, 16)],
}
