"""Pipeline parallelism across processes: rank r runs stage r through a GPipe or 1F1B op list.

Activations go forward with send_tensor/recv_tensor, gradients come back the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlsys_lab.parallel.p2p import recv_tensor, send_tensor
from dlsys_lab.parallel.schedule import SCHEDULES


def split_stages(model: nn.Sequential, stages: int) -> list[nn.Sequential]:
    """Cut a Sequential into `stages` consecutive pieces of (nearly) equal length."""
    if len(model) < stages:
        raise ValueError(f"a Sequential of {len(model)} layers cannot fill {stages} stages; use fewer stages")
    bounds = torch.linspace(0, len(model), stages + 1).round().long().tolist()
    return [model[a:b] for a, b in zip(bounds, bounds[1:])]


@dataclass
class PipelineStats:
    """What one stage did: the loss it saw (last stage only) and the most activations it held."""
    loss: float
    max_in_flight: int


def run_pipeline(stage: nn.Module, rank: int, world_size: int, schedule: str, inputs: torch.Tensor,
                 targets: torch.Tensor, micro_batches: int, loss_fn=nn.functional.mse_loss) -> PipelineStats:
    """Accumulate the full batch's gradients into stage's parameters, one micro-batch op at a time."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {sorted(SCHEDULES)}")
    first, last = rank == 0, rank == world_size - 1
    dtype = next(stage.parameters()).dtype
    micro_inputs, micro_targets = inputs.chunk(micro_batches), targets.chunk(micro_batches)
    held: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}  # micro -> (stage input, stage output)
    sends, total_loss, most = [], 0.0, 0
    for kind, i in SCHEDULES[schedule](world_size, micro_batches)[rank]:
        if kind == "F":
            x = micro_inputs[i] if first else recv_tensor(rank - 1, dtype).requires_grad_()
            y = stage(x)
            if last:
                y = loss_fn(y, micro_targets[i]) / micro_batches  # mean of equal micro-batch means
                total_loss += y.item()
            else:
                sends.append(send_tensor(y, rank + 1))
            held[i] = (x, y)
            most = max(most, len(held))
        else:
            x, y = held.pop(i)
            y.backward(None if last else recv_tensor(rank + 1, dtype))
            if not first:
                sends.append(send_tensor(x.grad, rank - 1))
    for pending in sends:
        pending.wait()
    return PipelineStats(total_loss, most)
