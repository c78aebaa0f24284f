"""A binomial-tree all-reduce from send/recv: reduce up the tree to rank 0, then broadcast back down.

Each of the 2 ceil(log2 p) rounds moves the whole tensor, so it wins on latency (few rounds) and loses on
bandwidth against the ring, which moves 2 (p-1)/p of the tensor in 2 (p-1) rounds.
"""
from __future__ import annotations

import torch
import torch.distributed as dist


def tree_all_reduce(tensor: torch.Tensor) -> int:
    """Sum tensor over the default group in place; returns the bytes this rank sent."""
    if not tensor.is_contiguous():
        raise ValueError("tree_all_reduce needs a contiguous tensor; pass tensor.contiguous() and copy back")
    rank, world = dist.get_rank(), dist.get_world_size()
    nbytes, sent, incoming = tensor.numel() * tensor.element_size(), 0, torch.empty_like(tensor)
    mask = 1
    while mask < world:  # reduce: at round k, ranks with bit k set send to rank - 2^k and drop out
        if rank & mask:
            dist.send(tensor, rank - mask)
            sent += nbytes
            break
        if rank + mask < world:
            dist.recv(incoming, rank + mask)
            tensor.add_(incoming)
        mask <<= 1
    # broadcast: the same tree backwards; a rank receives from the parent it sent to, then feeds its children
    if rank:
        dist.recv(tensor, rank - (rank & -rank))
    mask = (rank & -rank) >> 1 if rank else 1 << max(0, (world - 1).bit_length() - 1)
    while mask:
        if rank + mask < world:
            dist.send(tensor, rank + mask)
            sent += nbytes
        mask >>= 1
    return sent
