"""Measured timelines: the spans say what each engine did (one all-reduce per tensor, per bucket, overlapped or
not); the derived figures (hidden share, scaling efficiency, Chrome trace) against hand-computed values."""
import json

import pytest

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.data_parallel import make_buckets
from dlsys_lab.parallel.scaling import measure_scaling, scaling_table
from dlsys_lab.parallel.timeline import (TIMELINE_VARIANTS, Span, chrome_trace, hidden_fraction, summary,
                                         timeline_table, timeline_worker, wide_mlp)


@pytest.mark.slow
def test_spans_record_every_layer_and_every_all_reduce():
    width, depth, bucket_bytes = 32, 6, 3 * 32 * 33 * 4  # three layers' gradients per bucket
    per_rank = launch(timeline_worker, 2, 4, width, depth, bucket_bytes, 2, 2)
    buckets = len(make_buckets(list(wide_mlp(width, depth).parameters()), bucket_bytes))
    assert buckets == 2
    for rank, (seconds, spans) in enumerate(per_rank):
        assert set(seconds) == set(spans) == set(TIMELINE_VARIANTS)
        assert all(len(s) == 4 for s in seconds.values())  # 2 rounds x 2 steps
        for variant, expected_all_reduces in (("naive", 2 * depth), ("bucketed", buckets), ("overlapped", buckets)):
            lanes = [s.lane for s in spans[variant]]
            assert lanes.count("backward") == depth and lanes.count("all-reduce") == expected_all_reduces, variant
            assert lanes.count("forward") == lanes.count("optimizer") == 1
            assert all(s.rank == rank and s.end >= s.start for s in spans[variant])
            backward_end = max(s.end for s in spans[variant] if s.lane == "backward")
            first_comm = min(s.start for s in spans[variant] if s.lane == "all-reduce")
            if variant == "overlapped":  # the first bucket leaves before backward is over
                assert first_comm < backward_end
            else:  # the others wait for backward to finish
                assert first_comm >= backward_end


def test_hidden_fraction_and_chrome_trace_on_hand_made_spans():
    spans = [Span(0, "backward", "layer 1", 0.0, 1.0), Span(0, "backward", "layer 0", 1.0, 2.0),
             Span(0, "all-reduce", "b0", 1.5, 2.5), Span(0, "all-reduce", "b1", 2.5, 3.5)]
    assert hidden_fraction(spans) == pytest.approx(0.5 / 2.0)
    assert hidden_fraction(spans[:2]) == 0.0
    trace = json.loads(json.dumps(chrome_trace(spans)))
    event = trace["traceEvents"][2]
    assert (event["ph"], event["pid"], event["tid"], event["ts"], event["dur"]) == ("X", 0, 2, 1.5e6, 1.0e6)
    assert summary([1.0, 2.0, 3.0, 4.0, 5.0])[0] == 3.0
    row = timeline_table({"overlapped": [0.002, 0.003, 0.004]}, {"overlapped": spans}).splitlines()[1].split()
    assert row[0] == "overlapped" and row[1] == "3.0" and row[-2:] == ["2", "25%"]


def test_scaling_table_computes_speed_up_and_efficiency():
    pooled = {1: [0.4, 0.4, 0.4], 2: [0.25, 0.25, 0.25], 4: [0.2, 0.2, 0.2]}
    text = scaling_table(pooled, (1.0, 1.0, 1.0), (2.0, 2.0, 2.0))
    rows = {int(line.split()[0]): line.split() for line in text.splitlines()[2:]}
    assert rows[2][4:6] == ["1.60", "0.80"]  # speed-up 0.4 / 0.25, efficiency 0.4 / (2 * 0.25)
    assert rows[4][4:6] == ["2.00", "0.50"]
    assert "cores" in text.splitlines()[0] and "load average before 1.00, after 2.00" in text


@pytest.mark.slow
def test_measure_scaling_returns_steps_per_world_size():
    pooled = measure_scaling((1, 2), rounds=1, global_batch=4, width=8, depth=2, steps=3)
    assert {p: len(s) for p, s in pooled.items()} == {1: 3, 2: 3}
    with pytest.raises(ValueError, match="does not split over 3 ranks"):
        measure_scaling((1, 3), global_batch=4)
