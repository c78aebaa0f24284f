"""Tensor parallelism, Megatron style: a column-parallel Linear, then a row-parallel one.

The MLP block needs exactly one all-reduce in forward (after the row layer) and one in backward (before the column layer).
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


class CountingAllReduce:
    """dist.all_reduce (sum, in place) that counts how often it ran."""

    def __init__(self):
        self.calls = 0

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum tensor over ranks in place and return it."""
        self.calls += 1
        dist.all_reduce(tensor)
        return tensor


class _CopyToRanks(torch.autograd.Function):
    """Forward: identity (every rank has the input). Backward: sum the input's gradient over ranks."""

    @staticmethod
    def forward(ctx, x, all_reduce):
        ctx.all_reduce = all_reduce
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.all_reduce(grad.clone()), None


class _SumOverRanks(torch.autograd.Function):
    """Forward: sum the partial outputs over ranks. Backward: identity (every rank needs the gradient)."""

    @staticmethod
    def forward(ctx, x, all_reduce):
        return all_reduce(x.clone())

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _shard(tensor: torch.Tensor, dim: int, rank: int, world_size: int) -> torch.Tensor:
    """Rank's equal slice of tensor along dim, as a new parameter tensor."""
    if tensor.shape[dim] % world_size:
        raise ValueError(f"dimension {dim} of size {tensor.shape[dim]} does not split over {world_size} ranks; "
                         "choose a hidden size divisible by the world size")
    return tensor.chunk(world_size, dim)[rank].clone()


class ColumnParallelLinear(nn.Module):
    """Holds rank's slice of the output features; returns rank's slice of the output."""

    def __init__(self, dense: nn.Linear, all_reduce: CountingAllReduce):
        super().__init__()
        rank, world = dist.get_rank(), dist.get_world_size()
        self.weight = nn.Parameter(_shard(dense.weight.data, 0, rank, world))
        self.bias = nn.Parameter(_shard(dense.bias.data, 0, rank, world))
        self.all_reduce = all_reduce

    def forward(self, x):
        """x (full, the same on every rank) -> rank's slice of the output features."""
        return nn.functional.linear(_CopyToRanks.apply(x, self.all_reduce), self.weight, self.bias)


class RowParallelLinear(nn.Module):
    """Holds rank's slice of the input features; sums the partial products over ranks, then adds the bias."""

    def __init__(self, dense: nn.Linear, all_reduce: CountingAllReduce):
        super().__init__()
        rank, world = dist.get_rank(), dist.get_world_size()
        self.weight = nn.Parameter(_shard(dense.weight.data, 1, rank, world))
        self.bias = nn.Parameter(dense.bias.data.clone())  # replicated, added once after the sum
        self.all_reduce = all_reduce

    def forward(self, x_slice):
        """Rank's slice of the input features -> the full output, the same on every rank."""
        return _SumOverRanks.apply(nn.functional.linear(x_slice, self.weight), self.all_reduce) + self.bias


class TensorParallelMLP(nn.Module):
    """Linear -> GELU -> Linear split over ranks; built from a dense pair so results can be compared."""

    def __init__(self, dense_in: nn.Linear, dense_out: nn.Linear):
        super().__init__()
        self.all_reduce = CountingAllReduce()
        self.up = ColumnParallelLinear(dense_in, self.all_reduce)
        self.down = RowParallelLinear(dense_out, self.all_reduce)

    def forward(self, x):
        """The dense MLP's output, computed with half (or 1/w) of its weights on each rank."""
        return self.down(nn.functional.gelu(self.up(x)))
