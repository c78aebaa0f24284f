"""The same training unsharded (one process, or data parallel), with ZeRO-1, and FSDP-style; memory per rank.

Each strategy returns the full final weights (for the equality check) and the bytes one rank held.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn

from dlsys_lab.parallel.data_parallel import BucketedDataParallel
from dlsys_lab.parallel.fsdp import ShardedUnit, fsdp_memory, full_state_dict, shard_sequential
from dlsys_lab.parallel.sharding import tensor_bytes
from dlsys_lab.parallel.training import shard
from dlsys_lab.parallel.zero import ZeroOneOptimizer, optimizer_state_bytes

STRATEGIES = ("ddp", "zero1", "fsdp")
MEMORY_KINDS = ("params", "grads", "optimizer", "transient")


def adam(params, lr: float = 0.01):
    """The default optimizer of these runs: Adam, whose two moments make optimizer state twice the parameters."""
    return torch.optim.Adam(params, lr=lr)


def train_single_process(make_model, inputs, targets, steps: int = 5, make_optimizer=adam,
                         loss_fn=nn.functional.mse_loss) -> tuple[dict, dict]:
    """The oracle: full-batch training in this process. Returns (state_dict, memory it held)."""
    model = make_model()
    optimizer = make_optimizer(list(model.parameters()))
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
    params = list(model.parameters())
    memory = {"params": tensor_bytes(params), "grads": tensor_bytes(p.grad for p in params),
              "optimizer": optimizer_state_bytes(optimizer), "transient": 0}
    return model.state_dict(), memory


def train_sharded(rank, world_size, strategy, make_model, inputs, targets, steps: int = 5, make_optimizer=adam,
                  loss_fn=nn.functional.mse_loss, bucket_bytes: int = 1 << 20) -> tuple[dict, dict]:
    """Worker: train on this rank's shard of the batch with one strategy; returns (full state_dict, memory)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
    torch.manual_seed(rank)  # ranks start apart: the broadcast when wrapping must make them agree
    model = make_model()
    x, y = shard(inputs, rank, world_size), shard(targets, rank, world_size)
    if strategy == "fsdp":
        model = shard_sequential(model)
        optimizer = make_optimizer([layer.shard for layer in model if isinstance(layer, ShardedUnit)])
        step, zero_grad, forward = optimizer.step, optimizer.zero_grad, model
    elif strategy == "zero1":
        optimizer = ZeroOneOptimizer(model, make_optimizer)
        step, zero_grad, forward = optimizer.step, optimizer.zero_grad, model
    else:
        wrapper = BucketedDataParallel(model, bucket_bytes)
        optimizer = make_optimizer(list(model.parameters()))

        def step():
            wrapper.sync_gradients()
            optimizer.step()
        zero_grad, forward = optimizer.zero_grad, model
    for _ in range(steps):
        zero_grad()
        loss_fn(forward(x), y).backward()
        step()
    if strategy == "fsdp":
        return full_state_dict(model), fsdp_memory(model, optimizer_state_bytes(optimizer))
    if strategy == "zero1":
        return model.state_dict(), optimizer.memory()
    params = list(model.parameters())
    largest_bucket = max(tensor_bytes(bucket) for bucket in wrapper.buckets)
    return model.state_dict(), {"params": tensor_bytes(params), "grads": tensor_bytes(p.grad for p in params),
                                "optimizer": optimizer_state_bytes(optimizer), "transient": largest_bucket}


def every_strategy(rank, world_size, make_model, inputs, targets, steps: int = 5, make_optimizer=adam,
                   loss_fn=nn.functional.mse_loss) -> dict[str, tuple[dict, dict]]:
    """Worker: each strategy in turn (one launch, since starting processes is the expensive part)."""
    results = {s: train_sharded(rank, world_size, s, make_model, inputs, targets, steps, make_optimizer, loss_fn)
               for s in STRATEGIES}
    dist.barrier()
    return results


def memory_table(rows: dict[str, dict[str, int]]) -> str:
    """Bytes per rank as aligned text in MB, one row per strategy, with the total."""
    lines = [f"{'strategy':<16}" + "".join(f"{k:>11}" for k in MEMORY_KINDS) + f"{'total':>11}  (MB per rank)"]
    for name, memory in rows.items():
        lines.append(f"{name:<16}" + "".join(f"{memory[k] / 1e6:>11.3f}" for k in MEMORY_KINDS)
                     + f"{sum(memory[k] for k in MEMORY_KINDS) / 1e6:>11.3f}")
    return "\n".join(lines)
