"""dl.profile(): every op call recorded forward and backward, a valid nested Chrome trace, and results that do
not change when profiling is on. No timed assertions: structure only (bench/profile_overhead.py times it)."""
import json

import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.autodiff.graph import topological_order
from dlsys_lab.autodiff.hooks import OP_HOOK
from dlsys_lab.train_digits import make_mlp


def training_step(device, profiled):
    """One SGD step of the course MLP on a fixed batch; returns (loss, parameters after, profile or None, loss node)."""
    nn.init.manual_seed(0)
    model = make_mlp(device)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    x = dl.Tensor(rng.standard_normal((16, 64)), device=device, requires_grad=False)
    y = dl.Tensor(rng.integers(0, 10, 16), device=device, requires_grad=False)
    prof = dl.profile() if profiled else None
    if prof:
        prof.__enter__()
    try:
        loss = nn.CrossEntropyLoss()(model(x), y)
        graph = topological_order(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    finally:
        if prof:
            prof.__exit__(None, None, None)
    return loss.item(), [p.numpy().copy() for p in model.parameters()], prof, graph


@pytest.fixture(scope="module", params=["numpy", "cpu"])
def step(request):
    if not dl.device(request.param).available():
        pytest.skip(f"{request.param}: {dl.device(request.param).status()}")
    return request.param, training_step(request.param, profiled=True)


def test_profiling_changes_no_result(step):
    device, (loss, params, _, _) = step
    plain_loss, plain_params, _, _ = training_step(device, profiled=False)
    assert loss == plain_loss
    for a, b in zip(params, plain_params):
        np.testing.assert_array_equal(a, b)
    assert OP_HOOK.profiler is None, "the hook must be cleared when the block ends"


def test_every_forward_and_backward_op_of_the_step_is_recorded(step):
    _, (_, _, prof, graph) = step
    ops = [node for node in graph if node.op is not None]
    backward = [e for e in prof.events if e.depth == 0 and e.phase == "backward"]
    # one backward event per node of the graph, named after its op
    assert sorted(e.name for e in backward) == sorted(f"{n.op.name}.backward" for n in ops)
    forward_names = {e.name for e in prof.events if e.phase == "forward"}
    assert {type(n.op).__name__ for n in ops} <= forward_names
    assert {"MatMul", "ReLU", "SoftmaxCrossEntropy"} <= forward_names
    # the loss's backward is seeded first and the first layer's matmul finishes last
    assert backward[0].name == "SoftmaxCrossEntropy.backward"


def test_events_carry_shapes_dtype_device_and_allocated_bytes(step):
    device, (_, _, prof, _) = step
    matmuls = [e for e in prof.events if e.name == "MatMul" and e.phase == "forward"]
    assert ((16, 64), (64, 256)) in [e.input_shapes for e in matmuls]
    first = next(e for e in matmuls if e.input_shapes == ((16, 64), (64, 256)))
    assert first.output_shape == (16, 256) and first.dtype == "float32" and first.device == device
    assert first.bytes_allocated == 16 * 256 * 4
    views = [e for e in prof.events if e.name in ("Reshape", "Transpose", "BroadcastTo")]
    assert views and all(e.bytes_allocated == 0 for e in views if e.device == "numpy"), \
        "a view of an input allocates nothing"


def test_chrome_trace_is_valid_json_with_one_complete_event_per_op_call(step, tmp_path):
    _, (_, _, prof, _) = step
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(path)
    trace = json.loads(path.read_text())
    events = trace["traceEvents"]
    assert len(events) == len(prof.events)
    assert all(e["ph"] == "X" and e["dur"] >= 0 and e["ts"] >= 0 for e in events)
    assert {e["cat"] for e in events} == {"forward", "backward"}
    # microseconds: the trace's span equals the recorded span in ns / 1000
    span_us = max(e["ts"] + e["dur"] for e in events) - min(e["ts"] for e in events)
    span_ns = max(e.end_ns for e in prof.events) - min(e.start_ns for e in prof.events)
    assert span_us == pytest.approx(span_ns / 1e3)


def test_nested_events_lie_inside_their_parent_and_self_times_add_up(step):
    _, (_, _, prof, _) = step
    events = sorted(prof.events, key=lambda e: (e.start_ns, e.depth))
    stack = []
    nested = 0
    for e in events:
        while stack and stack[-1].end_ns <= e.start_ns:
            stack.pop()
        assert len(stack) == e.depth, f"{e.name}: depth {e.depth} but {len(stack)} enclosing events"
        if stack:
            parent = stack[-1]
            assert parent.start_ns <= e.start_ns and e.end_ns <= parent.end_ns
            assert e.phase == "backward"
            nested += 1
        stack.append(e)
    assert nested > 0, "a backward calls ops: they must appear inside it"
    rows = prof.rows()
    total_top = sum(e.duration_ns for e in prof.events if e.depth == 0) / 1e3
    assert sum(r["self_us"] for r in rows) == pytest.approx(total_top)
    assert all(0 <= r["self_us"] <= r["total_us"] + 1e-9 for r in rows)


def test_table_sorts_and_rejects_unknown_keys(step, capsys):
    _, (_, _, prof, _) = step
    text = prof.table(sort_by="total")
    assert "MatMul" in text and text == capsys.readouterr().out.strip()
    totals = [r["total_us"] for r in prof.rows("total")]
    assert totals == sorted(totals, reverse=True)
    with pytest.raises(ValueError, match="sort_by"):
        prof.table(sort_by="speed")


def test_profile_is_off_by_default_and_refuses_to_nest():
    assert OP_HOOK.profiler is None
    with dl.profile() as prof:
        with pytest.raises(RuntimeError, match="already active"):
            dl.profile().__enter__()
        (dl.Tensor([1.0, 2.0]) * 3).sum()
    assert [e.name for e in prof.events] == ["Mul", "Sum"] or [e.name for e in prof.events][-1] == "Summation"
    assert OP_HOOK.profiler is None
