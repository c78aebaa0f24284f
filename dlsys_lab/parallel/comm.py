"""A communicator with torch.distributed's point-to-point surface, in two builds: threads and torch.distributed.

The graded lab's code takes a `comm`: ThreadComm runs it in one process (inside the autograder's sandbox,
which has no network), TorchComm runs the very same code across gloo or NCCL processes.
"""
from __future__ import annotations

import queue
import threading
import traceback

import torch
import torch.distributed as dist


class _Done:
    """A send that has already completed (the thread world copies at send time)."""

    def wait(self) -> None:
        """Nothing to wait for."""


class _PendingRecv:
    """A receive that completes in wait(), when the matching send has arrived."""

    def __init__(self, comm: "ThreadComm", tensor: torch.Tensor, src: int):
        self.comm, self.tensor, self.src = comm, tensor, src

    def wait(self) -> None:
        """Copy the next message from src into the tensor, checking its shape."""
        message = self.comm.world.take(self.src, self.comm.rank)
        if message.shape != self.tensor.shape:
            raise ValueError(f"rank {self.comm.rank} posted a receive of shape {tuple(self.tensor.shape)} but rank "
                             f"{self.src} sent {tuple(message.shape)}: send and receive the same chunk index")
        self.tensor.copy_(message)


class ThreadWorld:
    """Mailboxes between every pair of ranks (FIFO, like one tag of gloo), and a rendezvous for all_reduce."""

    def __init__(self, world_size: int, timeout: float = 5.0):
        self.world_size, self.timeout = world_size, timeout
        self.mailboxes = {(s, d): queue.Queue() for s in range(world_size) for d in range(world_size)}
        self.barrier = threading.Barrier(world_size, timeout=timeout)
        self.deposits: list[torch.Tensor | None] = [None] * world_size
        self.aborted = threading.Event()

    def take(self, src: int, dst: int) -> torch.Tensor:
        """The next message from src to dst; fails if it does not come within the timeout."""
        for _ in range(int(self.timeout / 0.05)):
            if self.aborted.is_set():
                raise RuntimeError(f"rank {dst} stopped: another rank failed")
            try:
                return self.mailboxes[(src, dst)].get(timeout=0.05)
            except queue.Empty:
                continue
        raise TimeoutError(f"rank {dst} waited {self.timeout} s for a message from rank {src}; "
                           "does every irecv have a matching isend on the other rank?")


class ThreadComm:
    """One rank's communicator in a ThreadWorld; counts the bytes it sends and the sizes it all-reduces."""

    def __init__(self, world: ThreadWorld, rank: int):
        self.world, self.rank, self.world_size = world, rank, world.world_size
        self.bytes_sent, self.all_reduce_numels = 0, []

    def isend(self, tensor: torch.Tensor, dst: int) -> _Done:
        """Start sending a copy of tensor to dst."""
        self.world.mailboxes[(self.rank, dst)].put(tensor.detach().clone())
        self.bytes_sent += tensor.numel() * tensor.element_size()
        return _Done()

    def irecv(self, tensor: torch.Tensor, src: int) -> _PendingRecv:
        """Post a receive from src into tensor; it is filled by wait()."""
        return _PendingRecv(self, tensor, src)

    def all_reduce(self, tensor: torch.Tensor) -> None:
        """Sum tensor over ranks in place (ranks added in order, so every rank gets identical bits)."""
        self.all_reduce_numels.append(tensor.numel())
        self.world.deposits[self.rank] = tensor.detach().clone()
        self.world.barrier.wait()
        total = sum(self.world.deposits[1:], self.world.deposits[0].clone())
        self.world.barrier.wait()  # nobody deposits again before everyone has read
        tensor.copy_(total)


class TorchComm:
    """The same surface over torch.distributed's default group (use inside launch or torchrun workers)."""

    def __init__(self):
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.bytes_sent, self.all_reduce_numels = 0, []

    def isend(self, tensor: torch.Tensor, dst: int):
        """dist.isend, counting the bytes."""
        self.bytes_sent += tensor.numel() * tensor.element_size()
        return dist.isend(tensor, dst)

    def irecv(self, tensor: torch.Tensor, src: int):
        """dist.irecv."""
        return dist.irecv(tensor, src)

    def all_reduce(self, tensor: torch.Tensor) -> None:
        """dist.all_reduce (sum, in place)."""
        self.all_reduce_numels.append(tensor.numel())
        dist.all_reduce(tensor)


def run_on_threads(rank_main, world_size: int, timeout: float = 5.0) -> list:
    """Run rank_main(comm) on world_size threads; return the results in rank order or raise a rank's traceback."""
    world = ThreadWorld(world_size, timeout)
    results, errors = [None] * world_size, {}

    def body(rank):
        try:
            results[rank] = rank_main(ThreadComm(world, rank))
        except BaseException:
            errors[rank] = traceback.format_exc()
            world.aborted.set()
            world.barrier.abort()

    threads = [threading.Thread(target=body, args=(r,), daemon=True) for r in range(world_size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout * 4)
    if errors:
        first = min(errors, key=lambda r: ("stopped: another rank failed" in errors[r], "Broken" in errors[r], r))
        raise RuntimeError(f"rank {first} raised:\n{errors[first]}")
    if any(t.is_alive() for t in threads):
        raise TimeoutError(f"ranks {[r for r, t in enumerate(threads) if t.is_alive()]} did not finish")
    return results
