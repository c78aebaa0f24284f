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
    assert ops[-2] == "sub" and "inplace" in ops  # SGD momentum in place, then the new weights
    assert ops[-1] == "output" and g.nodes[-1].nbytes == 0  # reads the state written in place
    # a value read by nothing later (the new weights, the loss) lives to the end
    lifetimes = memory.liveness(g)
    assert lifetimes[g.nodes[-2].name] == (len(g) - 2, len(g) - 1)
    assert all(lifetimes[n.name][1] == len(g) - 1 for n in g.nodes if not g.consumers()[n.name])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_parameters_and_optimizer_state_are_resident_for_the_whole_step(captured, optimizer):
    """Arrays made before the step (weights, momentum, Adam's moments) hold their bytes from the first step;
    state written in place (momentum, moments) holds them to the last. Before, inputs entered the graph at
    their first read and the momentum died at its last read, so first fit put the new W1 (sub) over the
    momentum it had just updated, and W2 over the first layer's activations."""
    if optimizer == "sgd":
        g = captured["mlp"]
    else:
        step = training_step("mlp", batch=8, optimizer="adam")
        step()
        g = memory.capture(step)
    lifetimes, end = memory.liveness(g), len(g) - 1
    inputs = [n for n in g.nodes if n.op == "input"]
    first_made = min(lifetimes[n.name][0] for n in g.nodes if n.op != "input")
    assert inputs and all(lifetimes[n.name][0] < first_made for n in inputs)
    written = {n.inputs[0] for n in g.nodes if n.op == "inplace"}
    assert len(written) == (6 if optimizer == "sgd" else 12)  # a momentum per parameter; two moments for Adam
    assert all(lifetimes[name][1] == end for name in written)
    plan = memory.plan(g, "first_fit")
    sizes = {n.name: n.nbytes for n in g.nodes}
    for name in written:  # no value of the step shares a byte with the state
        lo, hi = plan.offsets[name], plan.offsets[name] + sizes[name]
        assert not [n.name for n in g.nodes if n.nbytes and n.name != name
                    and plan.offsets[n.name] < hi and lo < plan.offsets[n.name] + n.nbytes]


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
        # first fit in execution order, at batch 8: MLP 1.23x, CNN 1.07x, transformer 1.15x. (The MLP measured
        # 1.34x while capture let the new W1 reuse its just-updated momentum's bytes, which pinned a 32 KiB
        # block in the middle of the arena and pushed W2's 64 KiB momentum to the top.) What is left on the
        # MLP is first fit's own: the new W1 (32 KiB, alive to the end) is made while the old W1 is read, so
        # it lands above dW1's slot at 324 KiB; the new W2 (64 KiB) is made while the old W2 and mul62 (64 KiB
        # each) are alive, finds only a 36 KiB hole below the new W1 and goes on top. size_ordered, placing
        # the large long-lived values first, reaches the bound.
        assert plans["first_fit"].arena_bytes <= 1.3 * lower, kind
