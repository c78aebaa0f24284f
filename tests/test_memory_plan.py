"""capture, liveness and plan: lifetimes checked against a direct count, every strategy valid on random
graphs (hypothesis), never below the lower bound, and first-fit close to it on the notebooks' models."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsys_lab as dl
from dlsys_lab import memory
from dlsys_lab.memory import Graph, Node, Plan
from dlsys_lab.memory.examples import KINDS, training_step


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 25))
    nodes = []
    for i in range(n):
        inputs = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        nodes.append(Node(f"v{i}", "op", tuple(f"v{j}" for j in inputs), draw(st.integers(0, 4096))))
    return Graph(nodes)


def _live_sets(graph):
    """For each step, the values alive then, found by scanning every reader of every value (the oracle)."""
    end = len(graph.nodes) - 1
    steps = []
    for step in range(len(graph.nodes)):
        alive = []
        for i, node in enumerate(graph.nodes):
            reads = [j for j, other in enumerate(graph.nodes) if node.name in other.inputs]
            if i <= step <= (max(reads) if reads else end):
                alive.append(node)
        steps.append(alive)
    return steps


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_every_strategy_is_valid_and_between_the_bounds(graph):
    steps = _live_sets(graph)
    lower = max(sum(n.nbytes for n in alive) for alive in steps)
    assert memory.lower_bound(graph) == lower
    lifetimes = memory.liveness(graph)
    for step, alive in enumerate(steps):
        assert {n.name for n in alive} == {name for name, (a, b) in lifetimes.items() if a <= step <= b}
    for strategy in memory.STRATEGIES:
        plan = memory.plan(graph, strategy)
        assert lower <= plan.arena_bytes <= memory.naive_bytes(graph)
        for alive in steps:  # no two values alive at one step share a byte
            spans = sorted((plan.offsets[n.name], plan.offsets[n.name] + n.nbytes) for n in alive if n.nbytes)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
            assert all(end <= plan.arena_bytes for _, end in spans)


def test_check_plan_rejects_overlaps_at_the_last_use_and_outside_the_arena():
    g = Graph([Node("a", "op", (), 8), Node("b", "op", ("a",), 8), Node("c", "op", ("b",), 8)])
    assert memory.liveness(g) == {"a": (0, 1), "b": (1, 2), "c": (2, 2)}
    memory.check_plan(g, Plan({"a": 0, "b": 8, "c": 0}, 16, "hand"))  # a is dead when c is made
    with pytest.raises(ValueError, match="a and b"):
        memory.check_plan(g, Plan({"a": 0, "b": 4, "c": 0}, 16, "hand"))  # b is made at a's last use
    with pytest.raises(ValueError, match="outside the arena"):
        memory.check_plan(g, Plan({"a": 0, "b": 8, "c": 0}, 12, "hand"))
    assert memory.first_fit_offset(4, [(0, 4), (8, 12)]) == 4  # a gap of exactly the size is used
    assert memory.first_fit_offset(5, [(0, 4), (8, 12)]) == 12
    assert memory.best_fit_offset(2, [(0, 4), (10, 12), (14, 20)]) == 12
    with pytest.raises(ValueError, match="strategies are"):
        memory.plan(g, "random")


@pytest.fixture(scope="module")
def captured():
    graphs_ = {}
    for kind in KINDS:
        step = training_step(kind, batch=8)
        step()  # the optimizer's state exists: the captured step is a steady-state one
        graphs_[kind] = memory.capture(step)
    return graphs_


def test_captured_steps_have_forward_backward_and_update(captured):
    g = captured["mlp"]
    g.check()
    ops = [n.op for n in g.nodes]
    assert ops.count("matmul") == 3 * 3  # each Linear: one forward product, two in backward
    assert ops[-1] == "sub" and "inplace" in ops  # SGD momentum in place, then the new weights
    # a value read by nothing later (the new weights, the loss) lives to the end
    lifetimes = memory.liveness(g)
    assert lifetimes[g.nodes[-1].name] == (len(g) - 1, len(g) - 1)
    assert all(lifetimes[n.name][1] == len(g) - 1 for n in g.nodes if not g.consumers()[n.name])


def test_capture_is_the_same_on_numpy_and_cpu():
    if not dl.device("cpu").available():
        pytest.skip("cpu kernels not built")
    shapes = []
    for device in ("numpy", "cpu"):
        step = training_step("mlp", device=device)
        step()
        shapes.append([(n.op, n.nbytes) for n in memory.capture(step).nodes])
    assert shapes[0] == shapes[1]


def test_planners_on_the_notebook_models(captured):
    for kind, g in captured.items():
        lower = memory.lower_bound(g)
        plans = {s: memory.plan(g, s) for s in memory.STRATEGIES}
        assert all(lower <= p.arena_bytes < memory.naive_bytes(g) for p in plans.values())
        assert plans["size_ordered"].arena_bytes <= 1.05 * lower
        # first fit in execution order: within 1.3x on the CNN and the transformer block; the MLP's
        # few large weight-sized values leave holes (measured 1.34x; see lecture 07)
        assert plans["first_fit"].arena_bytes <= (1.4 if kind == "mlp" else 1.3) * lower, kind
