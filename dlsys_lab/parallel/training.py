"""The same SGD training with every data-parallel variant, torch's DDP and a single process.

Each rank trains on its contiguous shard of the batch; the mean over ranks is the full-batch gradient.
"""
from __future__ import annotations

import time

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dlsys_lab.parallel.collectives import ring_all_reduce
from dlsys_lab.parallel.data_parallel import (BucketedDataParallel, NaiveDataParallel,
                                              OverlappedDataParallel)


class TorchDDP:
    """torch's DistributedDataParallel behind the same sync_gradients() interface (it syncs in backward)."""

    def __init__(self, module: nn.Module, bucket_bytes: int = 1 << 20):
        self.module = DistributedDataParallel(module, bucket_cap_mb=bucket_bytes / 2**20)

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def sync_gradients(self) -> None:
        """Nothing left to do: DDP's hooks have averaged the gradients during backward."""


# variant name -> how to wrap a module on an initialized group
VARIANTS = {
    "naive": lambda m, b: NaiveDataParallel(m),
    "naive-ring": lambda m, b: NaiveDataParallel(m, all_reduce=ring_all_reduce),
    "bucketed": lambda m, b: BucketedDataParallel(m, b),
    "bucketed-ring": lambda m, b: BucketedDataParallel(m, b, all_reduce=ring_all_reduce),
    "overlapped": lambda m, b: OverlappedDataParallel(m, b),
    "ddp": lambda m, b: TorchDDP(m, b),
}


def shard(batch: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """This rank's contiguous slice of the batch; the batch must split evenly."""
    if len(batch) % world_size:
        raise ValueError(f"batch of {len(batch)} does not split evenly over {world_size} ranks; "
                         "pick a batch size divisible by the world size")
    return batch.chunk(world_size)[rank]


def sgd_stepper(model, inputs, targets, lr: float, loss_fn=nn.functional.mse_loss, wrapper=None):
    """A function that runs one step of SGD with momentum through wrapper (or model alone) and returns its seconds."""
    forward = wrapper or model
    sync = wrapper.sync_gradients if wrapper else (lambda: None)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr, momentum=0.9)

    def step() -> float:
        start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(forward(inputs), targets).backward()
        sync()
        optimizer.step()
        return time.perf_counter() - start

    return step


def sgd_steps(model, inputs, targets, steps: int, lr: float, loss_fn=nn.functional.mse_loss, wrapper=None):
    """Run steps of SGD with momentum through wrapper (or model alone); return the seconds per step."""
    step = sgd_stepper(model, inputs, targets, lr, loss_fn, wrapper)
    return [step() for _ in range(steps)]


def train_single(make_model, inputs, targets, steps: int = 5, lr: float = 0.1, loss_fn=nn.functional.mse_loss):
    """Single-process training on the full batch: the oracle. Returns (state_dict, seconds per step)."""
    model = make_model()
    seconds = sgd_steps(model, inputs, targets, steps, lr, loss_fn)
    return model.state_dict(), seconds


def train_data_parallel(rank, world_size, variant, make_model, inputs, targets, steps: int = 5,
                        lr: float = 0.1, bucket_bytes: int = 1 << 20, loss_fn=nn.functional.mse_loss):
    """Worker: train with one variant on this rank's shard. Returns (state_dict, seconds per step)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {sorted(VARIANTS)}")
    torch.manual_seed(rank)  # ranks start apart: only the broadcast when wrapping makes them agree
    model = make_model()
    wrapper = VARIANTS[variant](model, bucket_bytes)
    seconds = sgd_steps(model, shard(inputs, rank, world_size), shard(targets, rank, world_size),
                        steps, lr, loss_fn, wrapper)
    dist.barrier()
    return model.state_dict(), seconds


def train_interleaved(rank, world_size, variants, make_model, inputs, targets, steps: int = 5, lr: float = 0.1,
                      bucket_bytes: int = 1 << 20, loss_fn=nn.functional.mse_loss) -> dict:
    """Worker: train every variant on this rank's shard, one step of each in turn (who goes first rotating), so a
    change in the machine's load touches all alike. Returns {variant: (state_dict, seconds per step)}."""
    variants, runs = list(variants), {}
    for variant in variants:
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; choose one of {sorted(VARIANTS)}")
        torch.manual_seed(rank)  # as train_data_parallel: only the broadcast when wrapping makes the ranks agree
        model = make_model()
        runs[variant] = (model, sgd_stepper(model, shard(inputs, rank, world_size), shard(targets, rank, world_size),
                                            lr, loss_fn, VARIANTS[variant](model, bucket_bytes)), [])
    for index in range(steps):  # every rank visits the variants in the same order, so their collectives match
        for variant in variants[index % len(variants):] + variants[:index % len(variants)]:
            _, step, seconds = runs[variant]
            seconds.append(step())
    dist.barrier()
    return {variant: (model.state_dict(), seconds) for variant, (model, _, seconds) in runs.items()}
