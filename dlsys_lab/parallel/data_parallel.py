"""Data parallelism by hand: naive (one all-reduce per gradient), bucketed, and overlapped with backward.

Use: loss.backward(); dp.sync_gradients(); optimizer.step(). Every rank ends with the mean gradient.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


def broadcast_parameters(module: nn.Module, src: int = 0) -> None:
    """Make every rank start from src's parameters and buffers."""
    for tensor in module.state_dict().values():
        dist.broadcast(tensor, src)


def _grad_or_zeros(p: nn.Parameter) -> torch.Tensor:
    """The gradient, made zeros when this rank's batch did not touch p (ranks must agree on sizes)."""
    if p.grad is None:
        p.grad = torch.zeros_like(p)
    return p.grad


def group_into_buckets(sizes: list[int], bucket_bytes: int) -> list[list[int]]:
    """Indices into sizes, grouped in order into buckets of <= bucket_bytes (a bigger item gets its own)."""
    # BEGIN LAB lab06_parallel group_into_buckets
    buckets, current, filled = [], [], 0
    for index, nbytes in enumerate(sizes):
        if current and filled + nbytes > bucket_bytes:
            buckets.append(current)
            current, filled = [], 0
        current.append(index)
        filled += nbytes
    return buckets + ([current] if current else [])
    # END LAB lab06_parallel


def make_buckets(params: list[nn.Parameter], bucket_bytes: int) -> list[list[nn.Parameter]]:
    """Group params in reverse order (the order backward finishes them) into buckets of <= bucket_bytes."""
    ordered = list(reversed(params))
    sizes = [p.numel() * p.element_size() for p in ordered]
    return [[ordered[i] for i in bucket] for bucket in group_into_buckets(sizes, bucket_bytes)]


class NaiveDataParallel:
    """One all-reduce per parameter gradient, after backward has finished."""

    def __init__(self, module: nn.Module, all_reduce=dist.all_reduce):
        self.module, self.all_reduce = module, all_reduce
        self.world_size = dist.get_world_size()
        self.params = [p for p in module.parameters() if p.requires_grad]  # tied ones appear once
        broadcast_parameters(module)

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def sync_gradients(self) -> None:
        """Replace every gradient by its mean over ranks."""
        for p in self.params:
            grad = _grad_or_zeros(p)
            self.all_reduce(grad)
            grad.div_(self.world_size)


class BucketedDataParallel(NaiveDataParallel):
    """Flatten gradients into buckets of about bucket_bytes: fewer, larger messages."""

    def __init__(self, module: nn.Module, bucket_bytes: int = 1 << 20, all_reduce=dist.all_reduce):
        super().__init__(module, all_reduce)
        self.buckets = make_buckets(self.params, bucket_bytes)

    def sync_gradients(self) -> None:
        """All-reduce each bucket as one flat tensor and copy the means back."""
        for bucket in self.buckets:
            flat = flatten_grads(bucket)
            self.all_reduce(flat)
            unflatten_into_grads(flat.div_(self.world_size), bucket)


def flatten_grads(bucket: list[nn.Parameter]) -> torch.Tensor:
    """The bucket's gradients laid end to end in one new tensor."""
    return torch.cat([_grad_or_zeros(p).reshape(-1) for p in bucket])


def unflatten_into_grads(flat: torch.Tensor, bucket: list[nn.Parameter]) -> None:
    """Copy consecutive slices of flat back into the bucket's gradients."""
    offset = 0
    for p in bucket:
        p.grad.copy_(flat[offset: offset + p.numel()].view_as(p))
        offset += p.numel()


class OverlappedDataParallel(BucketedDataParallel):
    """Start each bucket's asynchronous all-reduce from a gradient hook while backward continues."""

    def __init__(self, module: nn.Module, bucket_bytes: int = 1 << 20):
        super().__init__(module, bucket_bytes)
        self._bucket_of = {id(p): i for i, bucket in enumerate(self.buckets) for p in bucket}
        self._reset()
        for p in self.params:
            p.register_post_accumulate_grad_hook(self._on_grad_ready)

    def _reset(self) -> None:
        self._waiting = [len(bucket) for bucket in self.buckets]  # gradients still to come per bucket
        self._in_flight: dict[int, tuple[torch.Tensor, dist.Work]] = {}

    def _on_grad_ready(self, p: nn.Parameter) -> None:
        i = self._bucket_of[id(p)]
        self._waiting[i] -= 1
        if self._waiting[i] < 0:
            raise RuntimeError("a second backward before sync_gradients(): call sync_gradients() after every "
                               "backward (this class does not accumulate gradients over several)")
        if self._waiting[i] == 0:
            self._launch(i)

    def _launch(self, i: int) -> None:
        flat = flatten_grads(self.buckets[i])
        self._in_flight[i] = (flat, dist.all_reduce(flat, async_op=True))

    def sync_gradients(self) -> None:
        """Launch buckets whose gradients never all arrived, wait for all, and copy the means back."""
        for i in range(len(self.buckets)):
            if i not in self._in_flight:
                self._launch(i)
        for i, (flat, work) in sorted(self._in_flight.items()):
            work.wait()
            unflatten_into_grads(flat.div_(self.world_size), self.buckets[i])
        self._reset()
