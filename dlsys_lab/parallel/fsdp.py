"""FSDP-style parameter sharding: each layer keeps only its shard of its parameters between uses.

A ShardedUnit all-gathers its layer's parameters just before its forward, drops them right after, gathers them
again in backward (where it also recomputes the layer's forward, as FSDP with activation checkpointing does),
reduce-scatters the gradient, and drops the gathered parameters again. Gradients and optimizer state exist
only for the shard.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn
from torch.func import functional_call

from dlsys_lab.parallel.data_parallel import broadcast_parameters
from dlsys_lab.parallel.sharding import FlatLayout, all_gather_flat, reduce_scatter_mean, tensor_bytes


class _GatheredCall(torch.autograd.Function):
    """y = layer(x) with the layer's parameters gathered from the shard in forward and again in backward."""

    @staticmethod
    def forward(ctx, x, shard, unit):
        ctx.unit = unit
        ctx.save_for_backward(x)
        with torch.no_grad():
            flat = unit.gather(shard)
            out = unit.call(unit.layout.views(flat), x)
        unit.note_live(flat)
        return out  # flat goes out of scope here: the gathered parameters are freed

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        unit, needs_x = ctx.unit, ctx.needs_input_grad[0]
        flat = unit.gather(unit.shard.detach())
        params = [v.detach().requires_grad_() for v in unit.layout.views(flat)]
        with torch.enable_grad():
            x_in = x.detach().requires_grad_(needs_x)
            grads = torch.autograd.grad(unit.call(params, x_in), params + ([x_in] if needs_x else []), grad_out)
        flat_grad = unit.layout.flatten(list(grads[: len(params)]))
        unit.note_live(flat, *grads, flat_grad)
        return (grads[-1] if needs_x else None), reduce_scatter_mean(flat_grad, unit.layout), None


class ShardedUnit(nn.Module):
    """One layer whose parameters live as this rank's flat shard (the only Parameter it registers)."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        named = list(layer.named_parameters())
        if not named or not all(p.requires_grad for _, p in named):
            raise ValueError("ShardedUnit takes a layer whose parameters are all trainable (leave others unwrapped)")
        self.names = [name for name, _ in named]
        self.layout = FlatLayout([p.shape for _, p in named], dist.get_world_size(), dist.get_rank())
        with torch.no_grad():
            self.shard = nn.Parameter(self.layout.my_shard(self.layout.flatten([p for _, p in named])).clone())
        self._layer = [layer.to("meta")]  # a template without storage, in a list so it registers no parameters
        self.peak_live_bytes = 0

    def gather(self, shard: torch.Tensor) -> torch.Tensor:
        """All ranks' shards as one padded flat vector."""
        return all_gather_flat(shard, self.layout)

    def call(self, params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """The layer's forward with the given parameter tensors."""
        return functional_call(self._layer[0], dict(zip(self.names, params)), (x,))

    def note_live(self, *tensors: torch.Tensor) -> None:
        """Record the bytes of full-size tensors alive together (gathered parameters, full gradients)."""
        self.peak_live_bytes = max(self.peak_live_bytes, tensor_bytes(tensors))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _GatheredCall.apply(x, self.shard, self)

    def full_parameters(self) -> dict[str, torch.Tensor]:
        """The layer's parameters gathered from every rank (a collective: call on all ranks)."""
        flat = self.gather(self.shard.detach())
        return {name: v.clone() for name, v in zip(self.names, self.layout.views(flat))}


def shard_sequential(model: nn.Sequential) -> nn.Sequential:
    """The model with every layer that has parameters wrapped in a ShardedUnit (rank 0's values everywhere)."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"shard_sequential takes an nn.Sequential, got {type(model).__name__}")
    broadcast_parameters(model)
    return nn.Sequential(*[ShardedUnit(layer) if any(True for _ in layer.parameters()) else layer
                           for layer in model])


def full_state_dict(sharded: nn.Sequential) -> dict[str, torch.Tensor]:
    """The unsharded model's state_dict, gathered (a collective: call on all ranks)."""
    return {f"{i}.{name}": value for i, layer in enumerate(sharded) if isinstance(layer, ShardedUnit)
            for name, value in layer.full_parameters().items()}


def fsdp_memory(sharded: nn.Sequential, optimizer_bytes: int) -> dict[str, int]:
    """Bytes this rank holds: parameter and gradient shards, optimizer state, and the largest gathered unit."""
    shards = [layer.shard for layer in sharded if isinstance(layer, ShardedUnit)]
    return {"params": tensor_bytes(shards), "grads": tensor_bytes(s.grad for s in shards if s.grad is not None),
            "optimizer": optimizer_bytes,
            "transient": max(layer.peak_live_bytes for layer in sharded if isinstance(layer, ShardedUnit))}
