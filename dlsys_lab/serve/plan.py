"""The dynamic batcher's decisions on plain data (graded in lab09_optimization): which requests form each batch,
and when it is dispatched, for requests with known arrival times.

The policy is DynamicBatcher's: one forward pass at a time; the queue's oldest request waits at most max_wait;
a batch leaves as soon as the queued rows reach max_batch (or the oldest request's deadline passes) and the
model is free; it takes the oldest queued requests whose rows fit in max_batch together (first in, first out).
dlsys_lab.serve.simulate runs `plan_batches` on random arrivals.
"""
from __future__ import annotations

import numpy as np


def check_requests(arrivals_ms, sizes, max_batch, max_wait_ms) -> None:
    """Raise ValueError unless the arrivals are sorted, every size is in [1, max_batch], max_batch >= 1 and
    max_wait_ms >= 0."""
    if max_batch < 1 or max_wait_ms < 0:
        raise ValueError(f"need max_batch >= 1 and max_wait_ms >= 0, got {max_batch} and {max_wait_ms}")
    if len(arrivals_ms) != len(sizes):
        raise ValueError(f"{len(arrivals_ms)} arrival times for {len(sizes)} request sizes")
    if np.any(np.diff(np.asarray(arrivals_ms, np.float64)) < 0):
        raise ValueError("arrival times must be sorted (the order requests reach the queue)")
    bad = [s for s in sizes if not 1 <= s <= max_batch]
    if bad:
        raise ValueError(f"every request holds 1 to max_batch = {max_batch} rows; got {bad[:3]}")


def plan_batches(arrivals_ms, sizes, max_batch, max_wait_ms, fixed_ms, per_row_ms):
    """The batches of requests i (arriving at arrivals_ms[i], sorted, with sizes[i] rows) as a list of
    (dispatch time, [request indices]): a batch is dispatched at the first moment, not before the previous batch
    finished (its dispatch time + fixed_ms + per_row_ms * its rows), when the queued rows reach max_batch or the
    oldest queued request has waited max_wait_ms; it takes the oldest queued requests whose rows fit in max_batch.
    A request arriving exactly at the dispatch time is queued (so one arriving exactly at the deadline can join)."""
    # BEGIN LAB lab09_optimization plan_batches
    n = len(arrivals_ms)
    batches = []
    free = -np.inf  # when the model can start the next batch
    first = 0       # the oldest request not yet in a batch
    while first < n:
        deadline = arrivals_ms[first] + max_wait_ms
        full_at, rows = np.inf, 0
        for j in range(first, n):
            rows += sizes[j]
            if rows >= max_batch:
                full_at = arrivals_ms[j]
                break
        dispatch = max(free, min(deadline, full_at))
        taken, rows = [], 0
        while first < n and arrivals_ms[first] <= dispatch and rows + sizes[first] <= max_batch:
            taken.append(first)
            rows += sizes[first]
            first += 1
        batches.append((dispatch, taken))
        free = dispatch + fixed_ms + per_row_ms * rows
    return batches
    # END LAB lab09_optimization

