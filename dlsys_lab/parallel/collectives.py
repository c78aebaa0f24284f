"""Collectives built from point-to-point isend/irecv on a ring: all-reduce, broadcast, all-gather.

Each works in place like its torch.distributed namesake and returns the bytes this rank sent. ring_all_reduce
takes a communicator (dlsys_lab.parallel.comm), so the same code runs on threads and on processes.
"""
from __future__ import annotations

import functools

import torch
import torch.distributed as dist

from dlsys_lab.parallel.comm import TorchComm

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


def exchange(comm, send: torch.Tensor, recv: torch.Tensor, right: int, left: int, accumulate: bool = False) -> None:
    """Send `send` to rank `right` while receiving from rank `left` into `recv` (added into it if accumulate).

    Either may be empty. Large tensors travel in segments of SEGMENT_BYTES; comm is a communicator of
    dlsys_lab.parallel.comm (ThreadComm, TorchComm).
    """
    sends = [comm.isend(part, right) for part in _segments(send)]
    if accumulate:
        _receive_and_add(comm, _segments(recv), left)
    else:
        for work in [comm.irecv(part, left) for part in _segments(recv)]:
            work.wait()
    for work in sends:
        work.wait()


def _receive_and_add(comm, targets: list[torch.Tensor], left: int) -> None:
    """Receive one segment per target into a few reused landing slots, adding each as it arrives.

    Adding segment j overlaps with receiving j + 1; the small slots avoid allocating (and page-faulting)
    a landing buffer as large as the chunk.
    """
    if not targets:
        return
    count = min(SLOTS, len(targets))
    slots = torch.empty(count, targets[0].numel(), dtype=targets[0].dtype)

    def post(j):
        return comm.irecv(slots[j % count, : targets[j].numel()], left)

    works = [post(j) for j in range(count)]
    for j, target in enumerate(targets):
        works[j].wait()
        target.add_(slots[j % count, : target.numel()])
        if j + count < len(targets):
            works.append(post(j + count))


def _counts_bytes_sent(collective):
    """Wrap collective(tensor, comm): check the tensor, default comm to torch.distributed's group, return bytes sent."""
    @functools.wraps(collective)
    def run(tensor: torch.Tensor, comm=None) -> int:
        if not tensor.is_contiguous():
            raise ValueError(f"{collective.__name__} needs a contiguous tensor; pass tensor.contiguous() "
                             "and copy back")
        comm = TorchComm() if comm is None else comm
        before = comm.bytes_sent
        collective(tensor, comm)
        return comm.bytes_sent - before
    return run


@_counts_bytes_sent
def ring_all_reduce(tensor: torch.Tensor, comm) -> None:
    """Sum tensor over all ranks in place: a reduce-scatter, then an all-gather, around the ring.

    Called as ring_all_reduce(tensor, comm=None): comm defaults to torch.distributed's default group, and the
    call returns the bytes this rank sent.
    """
    # BEGIN LAB lab06_parallel ring_all_reduce
    rank, world = comm.rank, comm.world_size
    right, left = (rank + 1) % world, (rank - 1) % world
    chunks = torch.tensor_split(tensor.view(-1), world)
    for step in range(world - 1):  # reduce-scatter: rank ends up owning chunk (rank + 1) % world
        send_chunk, recv_chunk = chunks[(rank - step) % world], chunks[(rank - step - 1) % world]
        exchange(comm, send_chunk, recv_chunk, right, left, accumulate=True)
    for step in range(world - 1):  # all-gather: pass the finished chunks around the ring
        send_chunk, recv_chunk = chunks[(rank + 1 - step) % world], chunks[(rank - step) % world]
        exchange(comm, send_chunk, recv_chunk, right, left)
    # END LAB lab06_parallel


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
    comm = TorchComm()
    for step in range(world - 1):
        exchange(comm, tensor_list[(rank - step) % world], tensor_list[(rank - step - 1) % world], right, left)
    return comm.bytes_sent
