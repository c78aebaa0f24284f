"""Timing one training step of an MLP in float32, bfloat16 and float16: dlsys_lab under dl.amp.autocast and
torch under torch.autocast("cpu"), interleaved round by round so that a busy machine slows every variant alike.
Used by bench/mixed_precision.py and week 9's lab notebook.
"""
from __future__ import annotations

import os
import time
from contextlib import nullcontext
from typing import Callable

import numpy as np

import dlsys_lab as dl
from dlsys_lab import nn, optim

FLAGS = ("f16c", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_fp16", "avx_vnni")


def cpu_flags() -> dict[str, bool]:
    """Which of the half-precision-related instruction sets /proc/cpuinfo lists (all False where it is absent)."""
    try:
        with open("/proc/cpuinfo") as f:
            present = set(next((line for line in f if line.startswith("flags")), "").split())
    except OSError:
        present = set()
    return {flag: flag in present for flag in FLAGS}


def _data(width_in: int, batch: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, width_in)).astype(np.float32), rng.integers(0, 10, batch)


def dl_step(precision: str, device: str = "numpy", width: int = 256, batch: int = 32, seed: int = 0) -> Callable:
    """One SGD step of a 64-width-width-10 MLP in dlsys_lab, its matmuls in `precision` (autocast)."""
    nn.init.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, width, device=device), nn.ReLU(), nn.Linear(width, width, device=device),
                          nn.ReLU(), nn.Linear(width, 10, device=device))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x, y = _data(64, batch, seed)
    x = dl.Tensor(x, device=device, requires_grad=False)

    def step():
        with dl.amp.autocast(precision) if precision != "float32" else nullcontext():
            loss = loss_fn(model(x), y)
        return opt.minimize(loss)
    return step


def torch_step(precision: str, width: int = 256, batch: int = 32, seed: int = 0) -> Callable:
    """The same step in torch, under torch.autocast("cpu", dtype) for a half precision."""
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                                torch.nn.ReLU(), torch.nn.Linear(width, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = (torch.from_numpy(a) for a in _data(64, batch, seed))
    dtype = getattr(torch, precision)

    def step():
        with torch.autocast("cpu", dtype=dtype) if precision != "float32" else nullcontext():
            loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def interleaved(steps: dict[str, Callable], rounds: int = 7, repeat: int = 5, warmup: int = 2) -> dict[str, np.ndarray]:
    """Seconds per call of each step: every round times `repeat` calls of each step in turn; one sample a round."""
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in steps}
    for _ in range(rounds):
        for name, fn in steps.items():
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples[name].append((time.perf_counter() - start) / repeat)
    return {name: np.array(s) for name, s in samples.items()}


def table(samples: dict[str, np.ndarray], baseline: Callable[[str], str]) -> str:
    """Median ms, IQR and the ratio of each median to that of baseline(name) (its float32 twin)."""
    lines = [f"{'variant':<28} {'median ms':>10} {'IQR ms':>8} {'vs float32':>11}"]
    medians = {name: float(np.median(s)) for name, s in samples.items()}
    for name, s in samples.items():
        q1, q3 = np.percentile(s, [25, 75])
        ratio = medians[name] / medians[baseline(name)] if baseline(name) in medians else float("nan")
        lines.append(f"{name:<28} {medians[name] * 1e3:>10.3f} {(q3 - q1) * 1e3:>8.3f} {ratio:>10.2f}x")
    return "\n".join(lines)


def machine_line() -> str:
    """Cores, load average, BLAS core type and the half-precision CPU flags, for the top of a report."""
    flags = " ".join(f"{k}={'yes' if v else 'no'}" for k, v in cpu_flags().items())
    return (f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}; CPU flags: {flags}")
