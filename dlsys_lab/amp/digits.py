"""The digits MLP trained in float32, or under autocast in bfloat16 or float16 (optionally with a GradScaler):
the experiment behind week 9's notebook, tests and bench/mixed_precision.py.

`loss_weight` multiplies the loss (and weight decay) and divides the learning rate by the same power of two, so a
float32 run takes exactly the same steps; it puts the gradients where float16 cannot hold them (below about
6e-8), the situation of large models whose per-element gradients are tiny, and shows what loss scaling is for.
"""
from __future__ import annotations

import itertools
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.amp.autocast import autocast
from dlsys_lab.amp.scaler import GradScaler
from dlsys_lab.data import DataLoader, digits
from dlsys_lab.train_digits import accuracy, make_mlp

PRECISIONS = ("float32", "bfloat16", "float16")


@dataclass
class AmpRun:
    """What one training run measured."""

    precision: str
    accuracy: float
    seconds: float
    zero_grad_fraction: list[float] = field(default_factory=list)  # per step: share of weight-gradient entries == 0
    skipped_steps: int = 0
    scales: list[float] = field(default_factory=list)  # the GradScaler's scale after each update
    losses: list[float] = field(default_factory=list)  # per step, without loss_weight

    def final_loss(self, last: int = 10) -> float:
        """The mean training loss of the last `last` steps."""
        return float(np.mean(self.losses[-last:]))


def precision_context(precision: str):
    """autocast(precision) for a half precision, a context that changes nothing for float32."""
    return autocast(precision) if precision != "float32" else nullcontext()


def batches(loader, epochs: int, steps: int | None = None):
    """The loader's batches over `epochs` epochs, stopping after `steps` batches in all when given."""
    return itertools.islice((batch for _ in range(epochs) for batch in loader), steps)


def train_digits(precision: str = "float32", epochs: int = 3, device=None, seed: int = 0, scaler: bool = False,
                 loss_weight: float = 1.0, batch_size: int = 32, steps: int | None = None) -> AmpRun:
    """Train the digits MLP (float32 master weights) with its matmuls in `precision`; return an AmpRun.

    scaler=True uses a GradScaler (init_scale 2**16, growth_interval 100). `steps` stops early (fast mode).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    exponent = np.log2(loss_weight)
    if loss_weight <= 0 or exponent != round(exponent):
        raise ValueError(f"loss_weight must be a power of two (so float32 steps stay exact), got {loss_weight}")
    nn.init.manual_seed(seed)
    train_set, test_set = digits()
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=seed, device=device)
    model = make_mlp(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1 / loss_weight, momentum=0.9, weight_decay=5e-4 * loss_weight)
    grad_scaler = GradScaler(growth_interval=100, enabled=scaler)
    weights = [p for p in model.parameters() if p.ndim == 2]
    run = AmpRun(precision, 0.0, 0.0)
    start = time.perf_counter()
    for x, y in batches(loader, epochs, steps):
        with precision_context(precision):
            loss = loss_fn(model(x), y) * loss_weight
        run.losses.append(loss.item() / loss_weight)
        optimizer.zero_grad()
        grad_scaler.scale(loss).backward()
        zeros = sum(int((p.grad.numpy() == 0).sum()) for p in weights)
        run.zero_grad_fraction.append(zeros / sum(p.size for p in weights))
        before = grad_scaler.get_scale()
        grad_scaler.step(optimizer)
        grad_scaler.update()
        run.skipped_steps += grad_scaler.get_scale() < before  # a backoff: this step was skipped
        run.scales.append(grad_scaler.get_scale())
    run.seconds = time.perf_counter() - start
    with precision_context(precision):
        run.accuracy = accuracy(model, DataLoader(test_set, batch_size=256, device=device))
    return run


def train_digits_torch(precision: str = "float32", epochs: int = 3, seed: int = 0, batch_size: int = 32,
                       steps: int | None = None) -> AmpRun:
    """The same MLP, optimizer and batches in torch, under torch.autocast("cpu", dtype) for a half precision
    (with torch.amp.GradScaler for float16, as torch's recipe says); its accuracy beside train_digits'."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    torch.manual_seed(seed)
    train_set, test_set = digits()
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    scaler = torch.amp.GradScaler("cpu", growth_interval=100, enabled=precision == "float16")

    def cast():
        return torch.autocast("cpu", dtype=getattr(torch, precision)) if precision != "float32" else nullcontext()
    run, start = AmpRun(precision, 0.0, 0.0), time.perf_counter()
    for x, y in batches(loader, epochs, steps):
        with cast():
            loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x.numpy())),
                                                     torch.from_numpy(y.numpy()).long())
        run.losses.append(loss.item())
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    run.seconds = time.perf_counter() - start
    x, y = (torch.from_numpy(a) for a in test_set.arrays)
    with torch.no_grad(), cast():
        run.accuracy = float((model(x).argmax(1) == y).float().mean())
    return run
