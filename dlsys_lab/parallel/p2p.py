"""Point-to-point tensors of any shape: a small header with the shape travels before the data.

Sends are asynchronous (keep the returned PendingSend until wait); receives block.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist

MAX_DIMS = 8


@dataclass
class PendingSend:
    """Tensors in flight and their works: they must stay alive until wait()."""
    tensors: tuple[torch.Tensor, ...]
    works: list

    def wait(self) -> None:
        """Block until both header and data have left."""
        for work in self.works:
            work.wait()


def send_tensor(tensor: torch.Tensor, dst: int) -> PendingSend:
    """Start sending tensor's shape, then its data, to dst."""
    if tensor.dim() > MAX_DIMS:
        raise ValueError(f"send_tensor handles up to {MAX_DIMS} dimensions; reshape before sending")
    header = torch.full((MAX_DIMS + 1,), -1, dtype=torch.int64)
    header[0] = tensor.dim()
    header[1: 1 + tensor.dim()] = torch.tensor(tensor.shape, dtype=torch.int64)
    data = tensor.detach().contiguous()
    return PendingSend((header, data), [dist.isend(header, dst), dist.isend(data, dst)])


def recv_tensor(src: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Receive a tensor sent by send_tensor from src."""
    header = torch.empty(MAX_DIMS + 1, dtype=torch.int64)
    dist.recv(header, src)
    shape = header[1: 1 + int(header[0])].tolist()
    data = torch.empty(shape, dtype=dtype)
    dist.recv(data, src)
    return data
