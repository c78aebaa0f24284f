"""Train a 64-256-256-10 MLP on scikit-learn's digits and report test accuracy (about 98%).

Run: python -m dlsys_lab.train_digits [--epochs N] [--device numpy] [--seed S]
"""
from __future__ import annotations

import argparse

import numpy as np
from threadpoolctl import threadpool_limits

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.data import DataLoader, digits


def make_mlp(device=None, dtype="float32") -> nn.Module:
    """The course's reference MLP for digits: 64-256-256-10 with ReLUs."""
    return nn.Sequential(nn.Linear(64, 256, device=device, dtype=dtype), nn.ReLU(),
                         nn.Linear(256, 256, device=device, dtype=dtype), nn.ReLU(),
                         nn.Linear(256, 10, device=device, dtype=dtype))


def accuracy(model: nn.Module, loader: DataLoader) -> float:
    """Fraction of correctly classified samples, in eval mode and without a graph."""
    model.eval()
    correct = total = 0
    with dl.no_grad():
        for x, y in loader:
            correct += int((model(x).numpy().argmax(axis=1) == y.numpy()).sum())
            total += len(y)
    model.train()
    return correct / total


def train(epochs: int = 15, device=None, seed: int = 0, progress: bool = True) -> float:
    """Train with SGD (lr 0.1, momentum 0.9, weight decay 5e-4, cosine schedule); return the test accuracy."""
    _, test_set = digits()
    return accuracy(fit_mlp(epochs, device, seed, progress), DataLoader(test_set, batch_size=256, device=device))


def fit_mlp(epochs: int = 15, device=None, seed: int = 0, progress: bool = True) -> nn.Module:
    """The reference MLP trained on digits' training split as `train` does (for later weeks that need the model)."""
    # Matrices this small run fastest on one BLAS thread; more threads only contend for the cores.
    with threadpool_limits(1):
        return _fit(epochs, device, seed, progress)


def _fit(epochs, device, seed, progress):
    from tqdm.auto import tqdm

    nn.init.manual_seed(seed)
    train_set, _ = digits()
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True, seed=seed, device=device)
    model = make_mlp(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    schedule = optim.CosineAnnealingLR(optimizer, T_max=epochs)
    bar = tqdm(range(epochs), desc="digits MLP", disable=not progress)
    for _ in bar:
        losses = []
        for x, y in train_loader:
            losses.append(optimizer.minimize(loss_fn(model(x), y)).item())
        schedule.step()
        bar.set_postfix(loss=f"{np.mean(losses):.4f}")
    return model


def main(argv=None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--device", default="numpy")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"test accuracy: {train(args.epochs, args.device, args.seed):.4f}")


if __name__ == "__main__":
    main()
