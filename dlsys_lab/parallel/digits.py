"""The week-6 workload: a small MLP on scikit-learn's bundled 8x8 digits (no download).

Shared by the lab notebook (through launch) and the torchrun entry point.
"""
from __future__ import annotations

import torch
from torch import nn


def digits_batch(n: int = 1536) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n digits as float32 inputs in [0, 1] and int64 labels."""
    from dlsys_lab.data import digit_images

    images, labels = digit_images()
    return torch.from_numpy(images[:n].copy()), torch.from_numpy(labels[:n].copy())


def make_digits_mlp(width: int = 256) -> nn.Module:
    """64 -> width -> width -> 10 with ReLU."""
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


def accuracy(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of inputs whose largest logit is the label."""
    with torch.no_grad():
        return (model(inputs).argmax(dim=1) == labels).float().mean().item()
