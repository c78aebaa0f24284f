"""Ensemble parallelism: K models, one per worker, trained apart and combined by averaging predictions.

No gradients cross ranks; the only communication is one all-gather of the predictions at the end.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


def train_classifier(seed: int, make_model, inputs, labels, epochs: int, lr: float = 0.05) -> nn.Module:
    """Full-batch Adam on cross-entropy from a seeded start; the same in a worker or in one process."""
    torch.manual_seed(seed)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()
    return model


def ensemble_worker(rank, world_size, make_model, inputs, labels, test_inputs, epochs: int = 50):
    """Worker: train member `rank`, gather every member's test probabilities, return (own, mean)."""
    model = train_classifier(rank, make_model, inputs, labels, epochs)
    with torch.no_grad():
        probabilities = model(test_inputs).softmax(dim=1)
    members = [torch.empty_like(probabilities) for _ in range(world_size)]
    dist.all_gather(members, probabilities)
    return probabilities, torch.stack(members).mean(dim=0)


def ensemble_accuracies(member_probabilities: list[torch.Tensor], labels: torch.Tensor) -> tuple[list[float], float]:
    """(each member's accuracy, the accuracy of their averaged probabilities) on labels."""
    if not member_probabilities:
        raise ValueError("no members: pass one probability tensor per member")
    members = [(p.argmax(dim=1) == labels).float().mean().item() for p in member_probabilities]
    mean = torch.stack(member_probabilities).mean(dim=0)
    return members, (mean.argmax(dim=1) == labels).float().mean().item()
