"""Spans: intervals that are not op calls (a DataLoader waiting for its next batch) recorded into the active
`dl.profile()`, next to the ops, so its table and trace show where a step stalled on input.

With no profiler active a span costs one attribute read: `active()` is the check callers make first.
"""
from __future__ import annotations

import time

from dlsys_lab.autodiff.hooks import OP_HOOK

DATA_WAIT = "DataLoader.wait"  # the name of the span of a training loop waiting for its next batch


def active() -> bool:
    """True when a recorder that takes spans (dl.profile()) is on."""
    return getattr(OP_HOOK.profiler, "add_span", None) is not None


def record(name: str, start_ns: int, end_ns: int, phase: str = "data") -> None:
    """Add one span (perf_counter_ns times) to the active profile; nothing when none is active."""
    add = getattr(OP_HOOK.profiler, "add_span", None)
    if add is not None:
        add(name, phase, start_ns, end_ns)


def timed_batches(batches, name: str = DATA_WAIT):
    """Yield from the iterator `batches`, recording each wait for the next item as a span while a profile is on."""
    iterator = iter(batches)
    while True:
        if not active():
            try:
                item = next(iterator)
            except StopIteration:
                return
        else:
            start = time.perf_counter_ns()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                record(name, start, time.perf_counter_ns())
        yield item
