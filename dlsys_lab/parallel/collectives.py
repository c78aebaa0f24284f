"""Collectives built from point-to-point isend/irecv on a ring: all-reduce, broadcast, all-gather.

Each works in place like its torch.distributed namesake and returns the bytes this rank sent.
"""
from __future__ import annotations

import torch
import torch.distributed as dist

SEGMENT_BYTES = 1 << 20  # large chunks travel in pieces of this size
SLOTS = 4  # segments being received at once while adding


def _ring_neighbours() -> tuple[int, int, int, int]:
    """(rank, world_size, right neighbour, left neighbour) on the ring of the default group."""
    rank, world = dist.get_rank(), dist.get_world_size()
    return rank, world, (rank + 1) % world, (rank - 1) % world


def _segments(tensor: torch.Tensor) -> list[torch.Tensor]:
    """Non-empty views of at most SEGMENT_BYTES each; empty chunks (tiny tensors) give none."""
    per_segment = max(1, SEGMENT_BYTES // tensor.element_size())
    return [part for part in tensor.split(per_segment) if part.numel()]


def _exchange(send: torch.Tensor, recv: torch.Tensor, right: int, left: int, accumulate: bool) -> int:
    """Send to the right while receiving from the left (adding into recv if accumulate); return bytes sent."""
    sends = [dist.isend(part, right) for part in _segments(send)]
    if accumulate:
        _receive_and_add(_segments(recv), left)
    else:
        for work in [dist.irecv(part, left) for part in _segments(recv)]:
            work.wait()
    for work in sends:
        work.wait()
    return send.numel() * send.element_size()


def _receive_and_add(targets: list[torch.Tensor], left: int) -> None:
    """Receive one segment per target into a few reused landing slots, adding each as it arrives.

    Adding segment j overlaps with receiving j + 1; the small slots avoid allocating (and page-faulting)
    a landing buffer as large as the chunk.
    """
    if not targets:
        return
    count = min(SLOTS, len(targets))
    slots = torch.empty(count, targets[0].numel(), dtype=targets[0].dtype)

    def post(j):
        return dist.irecv(slots[j % count, : targets[j].numel()], left)

    works = [post(j) for j in range(count)]
    for j, target in enumerate(targets):
        works[j].wait()
        target.add_(slots[j % count, : target.numel()])
        if j + count < len(targets):
            works.append(post(j + count))


def ring_all_reduce(tensor: torch.Tensor) -> int:
    """Sum tensor over all ranks in place: reduce-scatter then all-gather on a ring."""
    if not tensor.is_contiguous():
        raise ValueError("ring_all_reduce needs a contiguous tensor; pass tensor.contiguous() and copy back")
    rank, world, right, left = _ring_neighbours()
    chunks = torch.tensor_split(tensor.view(-1), world)
    sent = 0
    for step in range(world - 1):  # reduce-scatter: rank ends up owning chunk (rank + 1) % world
        send_chunk, recv_chunk = chunks[(rank - step) % world], chunks[(rank - step - 1) % world]
        sent += _exchange(send_chunk, recv_chunk, right, left, accumulate=True)
    for step in range(world - 1):  # all-gather: pass the finished chunks around the ring
        send_chunk, recv_chunk = chunks[(rank + 1 - step) % world], chunks[(rank - step) % world]
        sent += _exchange(send_chunk, recv_chunk, right, left, accumulate=False)
    return sent


def ring_broadcast(tensor: torch.Tensor, src: int = 0, segments: int = 8) -> int:
    """Copy src's tensor to every rank in place, pipelined in segments along the ring."""
    rank, world, right, left = _ring_neighbours()
    if world == 1:
        return 0
    last = (src - 1) % world  # the rank that only receives
    pending, sent = [], 0
    for segment in torch.tensor_split(tensor.view(-1), min(segments, max(tensor.numel(), 1))):
        if rank != src:
            dist.recv(segment, left)
        if rank != last:
            pending.append(dist.isend(segment, right))
            sent += segment.numel() * segment.element_size()
    for h in pending:
        h.wait()
    return sent


def ring_all_gather(tensor_list: list[torch.Tensor], tensor: torch.Tensor) -> int:
    """Fill tensor_list[r] with rank r's tensor on every rank, passing blocks around the ring."""
    rank, world, right, left = _ring_neighbours()
    if len(tensor_list) != world:
        raise ValueError(f"tensor_list needs one tensor per rank ({world}), got {len(tensor_list)}")
    tensor_list[rank].copy_(tensor)
    sent = 0
    for step in range(world - 1):
        sent += _exchange(tensor_list[(rank - step) % world], tensor_list[(rank - step - 1) % world],
                          right, left, accumulate=False)
    return sent
