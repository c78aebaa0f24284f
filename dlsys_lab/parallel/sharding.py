"""Flat shards of a list of tensors, and the two collectives that move between shards and the whole.

A flat vector of the tensors' elements is padded to a multiple of the world size and cut into equal shards;
rank r owns elements [r * s, (r + 1) * s). ZeRO-1 (zero.py) and FSDP-style sharding (fsdp.py) share this.
"""
from __future__ import annotations

import torch
import torch.distributed as dist


# torch 2.10+ names it reduce_scatter_single and deprecates the older name
_reduce_scatter = getattr(dist, "reduce_scatter_single", None) or dist.reduce_scatter_tensor


class FlatLayout:
    """Where each tensor of a list lives in one padded flat vector, and this rank's shard of it."""

    def __init__(self, shapes: list[torch.Size], world_size: int, rank: int):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside a world of {world_size}")
        self.shapes, self.numels = list(shapes), [int(torch.Size(s).numel()) for s in shapes]
        self.numel = sum(self.numels)
        self.shard_numel = -(-self.numel // world_size)  # ceil: the last shard ends in padding
        self.world_size, self.rank = world_size, rank

    @property
    def padded_numel(self) -> int:
        """Elements of the flat vector including the padding."""
        return self.shard_numel * self.world_size

    def flatten(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        """The tensors laid end to end in a new padded vector (zeros in the padding)."""
        flat = torch.zeros(self.padded_numel, dtype=tensors[0].dtype)
        torch.cat([t.reshape(-1) for t in tensors], out=flat[: self.numel])
        return flat

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """The tensors as views into flat (no copy)."""
        return [part.view(shape) for part, shape in zip(flat[: self.numel].split(self.numels), self.shapes)]

    def my_shard(self, flat: torch.Tensor) -> torch.Tensor:
        """This rank's slice of a padded flat vector (a view)."""
        return flat[self.rank * self.shard_numel: (self.rank + 1) * self.shard_numel]


def all_gather_flat(shard: torch.Tensor, layout: FlatLayout) -> torch.Tensor:
    """Every rank's shard, concatenated into a new padded flat vector."""
    flat = torch.empty(layout.padded_numel, dtype=shard.dtype)
    dist.all_gather(list(flat.split(layout.shard_numel)), shard.contiguous())
    return flat


def reduce_scatter_mean(flat: torch.Tensor, layout: FlatLayout) -> torch.Tensor:
    """This rank's shard of the mean over ranks of a padded flat vector (each rank passes its own)."""
    shard = torch.empty(layout.shard_numel, dtype=flat.dtype)
    _reduce_scatter(shard, flat)
    return shard.div_(layout.world_size)


def tensor_bytes(tensors) -> int:
    """Bytes held by the tensors' elements (what a rank counts as its own)."""
    return sum(t.numel() * t.element_size() for t in tensors)
