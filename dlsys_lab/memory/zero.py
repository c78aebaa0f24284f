"""ZeRO-style sharding arithmetic: bytes per device for parameters, gradients and optimizer state.

Mixed-precision Adam keeps per parameter 2 bytes of fp16/bf16 weights, 2 of gradients and 12 of optimizer
state (fp32 master weights, first and second moments). ZeRO stage 1 shards the optimizer state over the
data-parallel devices, stage 2 also the gradients, stage 3 also the parameters.
"""
from __future__ import annotations


def zero_bytes_per_device(n_params: int, n_devices: int, stage: int, param_bytes: int = 2, grad_bytes: int = 2,
                          optimizer_bytes: int = 12) -> dict[str, float]:
    """{'parameters', 'gradients', 'optimizer', 'total'} bytes held by each device at ZeRO `stage` (0-3)."""
    if stage not in (0, 1, 2, 3) or n_devices < 1:
        raise ValueError(f"stage must be 0, 1, 2 or 3 and n_devices >= 1, got stage={stage}, n_devices={n_devices}")
    shard = {"optimizer": stage >= 1, "gradients": stage >= 2, "parameters": stage >= 3}
    per = {"parameters": param_bytes, "gradients": grad_bytes, "optimizer": optimizer_bytes}
    out = {k: n_params * per[k] / (n_devices if shard[k] else 1) for k in per}
    out["total"] = sum(out.values())
    return out
