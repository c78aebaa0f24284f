"""Train the same 64-256-256-10 MLP on digits with dlsys_lab (any device) and with torch, in one process.

Prints per-epoch median times, their ratio dlsys_lab/torch, and microseconds per small op for both.
Both frameworks run on one thread (BLAS, OpenMP and torch), which is fastest for matrices this small.
Epochs alternate between the two, so a shared machine slows both alike; the median of the ratios of
adjacent epochs (one pair at a time) is the figure least moved by such drift.
Usage: python bench/mlp_vs_torch.py [--epochs 7] [--device numpy] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.data import DataLoader, digits
from dlsys_lab.train_digits import make_mlp

BATCH, LR, MOMENTUM = 32, 0.05, 0.9
GOALS = {"cpu": 1.2}  # the largest ratio dlsys_lab/torch each device aims for; 1.5 elsewhere


def timed_epochs(epochs: int, batches, step) -> list[float]:
    """Seconds per epoch of step(x, y) over each (x, y) that batches() yields for that epoch."""
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for x, y in batches():
            step(x, y)
        times.append(time.perf_counter() - start)
    return times


def epoch_times_dlsys(train_set, epochs: int, device: str) -> list[float]:
    """Seconds per epoch of dlsys_lab training."""
    nn.init.manual_seed(0)
    model, loss_fn = make_mlp(device), nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loader = DataLoader(train_set, batch_size=BATCH, shuffle=True, seed=0, device=device)
    return timed_epochs(epochs, lambda: loader, lambda x, y: optimizer.minimize(loss_fn(model(x), y)))


def epoch_times_torch(train_set, epochs: int) -> list[float]:
    """Seconds per epoch of the same training in torch (same batches, same data path)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 10))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    images, labels = train_set.arrays
    rng = np.random.default_rng(0)

    def batches():
        order = rng.permutation(len(labels))
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            yield torch.from_numpy(images[idx]), torch.from_numpy(labels[idx])

    def step(x, y):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return timed_epochs(epochs, batches, step)


def microseconds(fn, number: int = 2000) -> float:
    """Median over 5 repeats of the time per call of fn, in microseconds."""
    return statistics.median(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def small_op_table(device: str) -> list[tuple[str, float, float]]:
    """(op, us dlsys_lab, us torch) for tiny tensors, where per-op overhead dominates."""
    a_np = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    a, b = dl.Tensor(a_np, device=device), dl.Tensor(a_np, device=device)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(a_np, requires_grad=True)

    def dl_fwd_bwd():
        ((a * b).relu().sum()).backward()

    def torch_fwd_bwd():
        ((ta * tb).relu().sum()).backward()

    with dl.no_grad(), torch.no_grad():
        rows = [("add (no grad)", microseconds(lambda: a + b), microseconds(lambda: ta + tb)),
                ("matmul 8x8 (no grad)", microseconds(lambda: a @ b), microseconds(lambda: ta @ tb)),
                ("sum (no grad)", microseconds(lambda: a.sum()), microseconds(lambda: ta.sum()))]
    rows.append(("add (recording)", microseconds(lambda: a + b), microseconds(lambda: ta + tb)))
    rows.append(("mul+relu+sum, fwd+bwd", microseconds(dl_fwd_bwd, 500), microseconds(torch_fwd_bwd, 500)))
    return rows


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--device", default="numpy")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train_set, _ = digits()
    with threadpool_limits(args.threads):
        blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in threadpool_info()
                if i["user_api"] == "blas"]
        print(f"NumPy {np.__version__}, BLAS: {'; '.join(blas)}; OPENBLAS_CORETYPE="
              f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; torch {torch.__version__} "
              f"({torch.get_num_threads()} threads); {os.cpu_count()} CPUs")
        # one warm-up epoch each, then alternate so both see the same machine load
        dl_times, torch_times = [], []
        epoch_times_dlsys(train_set, 1, args.device)
        epoch_times_torch(train_set, 1)
        for _ in range(args.epochs):
            dl_times += epoch_times_dlsys(train_set, 1, args.device)
            torch_times += epoch_times_torch(train_set, 1)
        dl_median, torch_median = statistics.median(dl_times), statistics.median(torch_times)
        paired = statistics.median(ours / theirs for ours, theirs in zip(dl_times, torch_times))
        steps = -(-len(train_set) // BATCH)
        print(f"MLP 64-256-256-10 on digits, batch {BATCH}, SGD momentum, {steps} steps/epoch, "
              f"median of {args.epochs} epochs")
        print(f"  dlsys_lab ({args.device}): {dl_median * 1e3:8.1f} ms/epoch  ({dl_median / steps * 1e6:7.1f} us/step)")
        print(f"  torch              : {torch_median * 1e3:8.1f} ms/epoch  ({torch_median / steps * 1e6:7.1f} us/step)")
        print(f"  ratio dlsys_lab/torch: {dl_median / torch_median:.2f}  (goal <= {GOALS.get(args.device, 1.5)}); "
              f"median of adjacent-epoch ratios {paired:.2f}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print("small ops on 8x8 float32 (us per call, median of 5):")
        print(f"  {'op':26s} {'dlsys_lab':>10s} {'torch':>8s} {'ratio':>6s}")
        for name, ours, theirs in small_op_table(args.device):
            print(f"  {name:26s} {ours:10.2f} {theirs:8.2f} {ours / theirs:6.2f}")


if __name__ == "__main__":
    main()
