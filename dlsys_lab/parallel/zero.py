"""ZeRO stage 1: every rank keeps all parameters and gradients but the optimizer state of only its shard.

After backward the gradients are reduce-scattered (each rank gets the mean of its shard), each rank steps its
shard with its own optimizer, and an all-gather gives every rank all the updated parameters.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn

from dlsys_lab.parallel.data_parallel import broadcast_parameters
from dlsys_lab.parallel.sharding import FlatLayout, all_gather_flat, reduce_scatter_mean, tensor_bytes


def optimizer_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes of every tensor in the optimizer's state (moments, momentum buffers, step counters)."""
    return tensor_bytes(v for state in optimizer.state.values() for v in state.values() if torch.is_tensor(v))


class ZeroOneOptimizer:
    """Wraps a module on an initialized group: zero_grad(), then backward, then step() as with any optimizer.

    make_optimizer(params) builds the inner optimizer (e.g. lambda ps: torch.optim.Adam(ps, lr=1e-3)); it sees
    one flat parameter, this rank's shard, so any elementwise optimizer gives the same result as unsharded.
    """

    def __init__(self, module: nn.Module, make_optimizer):
        self.module = module
        self.params = [p for p in module.parameters() if p.requires_grad]
        if not self.params:
            raise ValueError("the module has no trainable parameters to optimize")
        broadcast_parameters(module)
        self.layout = FlatLayout([p.shape for p in self.params], dist.get_world_size(), dist.get_rank())
        with torch.no_grad():
            self.shard = nn.Parameter(self.layout.my_shard(self.layout.flatten(self.params)).clone())
        self.optimizer = make_optimizer([self.shard])

    def zero_grad(self) -> None:
        """Drop the gradients of the full parameters."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Reduce-scatter the gradients, step this rank's shard, all-gather the parameters."""
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in self.params]
        self.shard.grad = reduce_scatter_mean(self.layout.flatten(grads), self.layout)
        self.optimizer.step()
        flat = all_gather_flat(self.shard.detach(), self.layout)
        with torch.no_grad():
            for p, value in zip(self.params, self.layout.views(flat)):
                p.copy_(value)

    def memory(self) -> dict[str, int]:
        """Bytes this rank holds: full parameters and gradients, its shard's optimizer state, the flat buffers."""
        return {"params": tensor_bytes(self.params),
                "grads": tensor_bytes(p.grad for p in self.params if p.grad is not None),
                "optimizer": optimizer_state_bytes(self.optimizer) + tensor_bytes([self.shard]),
                "transient": 2 * self.layout.padded_numel * self.params[0].element_size()}


def zero_bytes_per_rank(psi: float, world_size: int, stage: int, param_bytes: int = 2, grad_bytes: int = 2,
                        optimizer_bytes: int = 12) -> float:
    """Model states per rank in the ZeRO paper's arithmetic (psi parameters; defaults: mixed-precision Adam).

    Stage 0 is plain data parallelism; 1 shards optimizer state, 2 also gradients, 3 (FSDP) also parameters.
    Activations, buffers and the gathered layer of stage 3 are not counted.
    """
    if stage not in (0, 1, 2, 3):
        raise ValueError(f"ZeRO stage must be 0, 1, 2 or 3, got {stage}")
    p = world_size
    return psi * (param_bytes / (p if stage >= 3 else 1) + grad_bytes / (p if stage >= 2 else 1)
                  + optimizer_bytes / (p if stage >= 1 else 1))
