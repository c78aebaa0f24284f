"""Measured timelines of data-parallel steps: when each layer's backward ran and each bucket's all-reduce flew.

Spans come from hooks (a layer's backward: from its output gradient's arrival to its weight gradient's
accumulation) and from the all-reduces themselves (an asynchronous one ends when gloo's completion callback
runs, which needs the GIL, so it can read a little late). Times are perf_counter seconds, one clock for every
process on the machine; chrome_trace() writes them for chrome://tracing or Perfetto.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from dlsys_lab.parallel.data_parallel import (BucketedDataParallel, NaiveDataParallel, OverlappedDataParallel,
                                              flatten_grads)
from dlsys_lab.parallel.training import shard

LANES = ("forward", "backward", "all-reduce", "optimizer")
TIMELINE_VARIANTS = ("naive", "bucketed", "overlapped")


@dataclass(frozen=True)
class Span:
    """One bar: rank, lane (one of LANES), label, start and end in seconds."""
    rank: int
    lane: str
    label: str
    start: float
    end: float


class SpanRecorder:
    """Collects spans of one rank; `record` is off until `on` is set, so warm-up steps leave nothing."""

    def __init__(self, rank: int):
        self.rank, self.spans, self.on = rank, [], False

    def add(self, lane: str, label: str, start: float, end: float) -> None:
        """Keep a span if recording."""
        if self.on:
            self.spans.append(Span(self.rank, lane, label, start, end))

    def traced_all_reduce(self, tensor: torch.Tensor) -> None:
        """dist.all_reduce, recorded as one all-reduce span."""
        start = time.perf_counter()
        dist.all_reduce(tensor)
        self.add("all-reduce", f"{tensor.numel() * tensor.element_size() / 2**20:.1f} MB", start, time.perf_counter())

    def watch_backward(self, layers: list[nn.Module]) -> None:
        """Record each layer's backward: output gradient arrives -> its weight's gradient is accumulated."""
        for index, layer in enumerate(layers):
            started = {}

            def on_output(module, args, output, index=index, started=started):
                if output.requires_grad:
                    output.register_hook(lambda grad: started.__setitem__("t", time.perf_counter()))

            def on_weight(param, index=index, started=started):
                self.add("backward", f"layer {index}", started.pop("t", time.perf_counter()), time.perf_counter())

            layer.register_forward_hook(on_output)
            layer.weight.register_post_accumulate_grad_hook(on_weight)


class TracedOverlappedDataParallel(OverlappedDataParallel):
    """OverlappedDataParallel whose asynchronous all-reduces are recorded from launch to completion."""

    def __init__(self, module: nn.Module, bucket_bytes: int, recorder: SpanRecorder):
        self.recorder = recorder
        super().__init__(module, bucket_bytes)

    def _launch(self, i: int) -> None:
        flat = flatten_grads(self.buckets[i])
        start, label = time.perf_counter(), f"{flat.numel() * flat.element_size() / 2**20:.1f} MB"
        work = dist.all_reduce(flat, async_op=True)
        work.get_future().then(lambda _: self.recorder.add("all-reduce", label, start, time.perf_counter()))
        self._in_flight[i] = (flat, work)


def wide_mlp(width: int = 512, depth: int = 24) -> nn.Sequential:
    """depth Linear(width, width) layers with ReLU: 2 depth tensors, about 4 depth width^2 bytes of gradients."""
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _wrap(variant: str, model: nn.Module, bucket_bytes: int, recorder: SpanRecorder):
    if variant == "naive":
        return NaiveDataParallel(model, all_reduce=recorder.traced_all_reduce)
    if variant == "bucketed":
        return BucketedDataParallel(model, bucket_bytes, all_reduce=recorder.traced_all_reduce)
    if variant == "overlapped":
        return TracedOverlappedDataParallel(model, bucket_bytes, recorder)
    raise ValueError(f"unknown variant {variant!r}; choose one of {TIMELINE_VARIANTS}")


def timeline_worker(rank, world_size, batch: int = 64, width: int = 512, depth: int = 24,
                    bucket_bytes: int = 4 << 20, steps: int = 5, rounds: int = 3, warmup: int = 1):
    """Worker: interleaved rounds of each variant; returns ({variant: step seconds}, {variant: spans of its last step}).

    Every step starts after a barrier, so the ranks' timelines line up; only the last step of the last round
    is recorded as spans.
    """
    torch.manual_seed(0)
    inputs, targets = torch.randn(batch * world_size, width), torch.randn(batch * world_size, width)
    x, y = shard(inputs, rank, world_size), shard(targets, rank, world_size)
    seconds = {v: [] for v in TIMELINE_VARIANTS}
    spans = {}
    engines = {}
    for variant in TIMELINE_VARIANTS:
        model, recorder = wide_mlp(width, depth), SpanRecorder(rank)
        recorder.watch_backward([m for m in model if isinstance(m, nn.Linear)])
        engines[variant] = (model, _wrap(variant, model, bucket_bytes, recorder), recorder,
                            torch.optim.SGD(model.parameters(), lr=1e-4))
    for r in range(rounds):
        for v in TIMELINE_VARIANTS[r % 3:] + TIMELINE_VARIANTS[: r % 3]:  # rotate the order each round
            model, dp, recorder, optimizer = engines[v]
            for s in range(warmup + steps):
                recorder.on = r == rounds - 1 and s == warmup + steps - 1
                recorder.spans.clear()
                dist.barrier()
                seconds_of_step = _traced_step(dp, optimizer, recorder, x, y)
                if s >= warmup:
                    seconds[v].append(seconds_of_step)
            spans[v] = list(recorder.spans) if r == rounds - 1 else None
    return seconds, spans


def _traced_step(dp, optimizer, recorder: SpanRecorder, x, y) -> float:
    """One step: forward, backward (with whatever the engine overlaps), sync, optimizer; returns its seconds."""
    start = time.perf_counter()
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(dp(x), y)
    forward_end = time.perf_counter()
    recorder.add("forward", "forward", start, forward_end)
    loss.backward()
    dp.sync_gradients()
    sync_end = time.perf_counter()
    optimizer.step()
    end = time.perf_counter()
    recorder.add("optimizer", "step", sync_end, end)
    return end - start


def summary(seconds: list[float]) -> tuple[float, float, float]:
    """(median, first quartile, third quartile) in seconds."""
    if len(seconds) < 2:
        return seconds[0], seconds[0], seconds[0]
    q1, q2, q3 = statistics.quantiles(seconds, n=4)
    return statistics.median(seconds), q1, q3


def hidden_fraction(spans: list[Span]) -> float:
    """Share of all-reduce time that ran while this rank's backward was still running."""
    backward = [s for s in spans if s.lane == "backward"]
    comm = [s for s in spans if s.lane == "all-reduce"]
    if not comm or not backward:
        return 0.0
    backward_end = max(s.end for s in backward)
    total = sum(s.end - s.start for s in comm)
    hidden = sum(max(0.0, min(s.end, backward_end) - s.start) for s in comm)
    return hidden / total if total else 0.0


def timeline_table(step_seconds: dict[str, list[float]], spans: dict[str, list[Span]]) -> str:
    """Median step with IQR, all-reduce count and hidden share per variant (one rank's results) as text."""
    lines = [f"{'engine':<11} {'median ms':>10} {'IQR ms':>16} {'all-reduces':>12} {'hidden':>7}"]
    for variant, seconds in step_seconds.items():
        median, q1, q3 = summary(seconds)
        calls = sum(s.lane == "all-reduce" for s in spans[variant])
        lines.append(f"{variant:<11} {median * 1e3:>10.1f} {f'[{q1 * 1e3:.1f}, {q3 * 1e3:.1f}]':>16} {calls:>12} "
                     f"{hidden_fraction(spans[variant]):>7.0%}")
    return "\n".join(lines)


def chrome_trace(spans: list[Span]) -> dict:
    """Complete events (ph "X", microseconds): one process per rank, one thread per lane."""
    origin = min((s.start for s in spans), default=0.0)
    return {"traceEvents": [{"name": s.label, "cat": s.lane, "ph": "X", "pid": s.rank, "tid": LANES.index(s.lane),
                             "ts": (s.start - origin) * 1e6, "dur": (s.end - s.start) * 1e6} for s in spans],
            "displayTimeUnit": "ms"}
