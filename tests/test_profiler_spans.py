"""The profiler's DataLoader.wait spans: the time a training loop waits for its next batch appears in dl.profile()'s
events, table and trace, and costs nothing (no span is even built) when no profile is active."""
import time

import pytest

import dlsys_lab as dl
from dlsys_lab.data import DataLoader
from dlsys_lab.data.slow import SlowDataset
from dlsys_lab.profiler import spans


def _measured_waits(loader):
    """Iterate the loader, timing each wait for the next batch with perf_counter_ns; return the total in ns."""
    total, iterator = 0, iter(loader)
    while True:
        start = time.perf_counter_ns()
        try:
            x, _ = next(iterator)
        except StopIteration:
            return total + time.perf_counter_ns() - start  # the end of an epoch is waited for too (workers stop)
        total += time.perf_counter_ns() - start
        (x * 2.0).sum()  # a little work between batches, recorded as ops


@pytest.mark.parametrize("workers", [0, pytest.param(2, marks=pytest.mark.slow)])
def test_data_wait_spans_add_up_to_the_measured_wait(workers):
    loader = DataLoader(SlowDataset(n=24, delay_ms=5.0), batch_size=4, num_workers=workers)
    with dl.profile() as prof:
        measured = _measured_waits(loader)
    waits = [e for e in prof.events if e.name == spans.DATA_WAIT]
    # one span per batch; with workers also the wait for the epoch's end (the pool shutting down)
    assert len(waits) == 6 + (workers > 0) and all(e.phase == "data" for e in waits)
    recorded = sum(e.duration_ns for e in waits)
    assert recorded <= measured and recorded >= 0.9 * measured  # the spans are the waits, less loop overhead
    if workers == 0:
        assert recorded >= 24 * 5e6  # every sample's 5 ms sleep is waited for
    assert any(e.name != spans.DATA_WAIT for e in prof.events)  # the ops are recorded beside them
    row = next(r for r in prof.rows() if r["name"] == spans.DATA_WAIT)
    assert row["calls"] == len(waits) and row["phase"] == "data"
    assert any(t["name"] == spans.DATA_WAIT and t["cat"] == "data" for t in prof.chrome_trace()["traceEvents"])


def test_no_span_is_recorded_without_a_profile(monkeypatch):
    calls = []
    monkeypatch.setattr(spans, "record", lambda *args, **kw: calls.append(args))
    loader = DataLoader(SlowDataset(n=8, delay_ms=0.0), batch_size=4)
    assert len(list(loader)) == 2
    assert calls == [] and not spans.active()
    with dl.profile():
        list(loader)
    assert len(calls) == 2  # the same loader inside a profile records one span per batch
