"""A model of data-parallel backward with bucketed all-reduce overlapping the remaining compute.

Each bucket's all-reduce starts when its last gradient is ready and the link is free; it costs latency + bytes/bandwidth.
"""
from __future__ import annotations

from dataclasses import dataclass

from dlsys_lab.parallel import cost_model
from dlsys_lab.parallel.cost_model import AlphaBeta
from dlsys_lab.parallel.data_parallel import group_into_buckets


@dataclass(frozen=True)
class Segment:
    """One bar of the timeline: lane is "compute" or "comm"."""
    lane: str
    label: str
    start: float
    end: float


def ring_all_reduce_seconds(nbytes: float, world_size: int, bandwidth: float, latency: float) -> float:
    """Ring cost: 2 (w-1) steps, each one latency plus a 1/w share of the bytes over the link (cost_model.py)."""
    return cost_model.ring_all_reduce_seconds(AlphaBeta(latency, 1 / bandwidth), nbytes, world_size)


def overlap_timeline(layer_bytes: list[float], layer_seconds: list[float], bucket_bytes: float,
                     world_size: int = 2, bandwidth: float = 1e9, latency: float = 50e-6) -> list[Segment]:
    """Backward of layers in backward order (last layer first), with each full bucket's all-reduce overlapped."""
    segments, now, ready_at = [], 0.0, []
    for i, seconds in enumerate(layer_seconds):
        segments.append(Segment("compute", f"layer {len(layer_seconds) - i}", now, now + seconds))
        now += seconds
        ready_at.append(now)
    link_free = 0.0
    for b, bucket in enumerate(group_into_buckets(list(layer_bytes), bucket_bytes)):
        start = max(link_free, ready_at[bucket[-1]])
        nbytes = sum(layer_bytes[i] for i in bucket)
        link_free = start + ring_all_reduce_seconds(nbytes, world_size, bandwidth, latency)
        segments.append(Segment("comm", f"bucket {b}", start, link_free))
    return segments


def step_seconds(segments: list[Segment]) -> float:
    """When the last compute or communication ends."""
    return max(s.end for s in segments)
