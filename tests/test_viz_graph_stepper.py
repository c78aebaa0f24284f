"""The week-2 graph widget: its traces match torch's gradients, its controls change the drawing."""
import math

import pytest
import torch

from dlsys_lab.viz.computational_graph import ComputationalGraph
from dlsys_lab.viz.graph_stepper import GraphStepper


def torch_gradient(x1, x2):
    a = torch.tensor(x1, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(x2, dtype=torch.float64, requires_grad=True)
    out = torch.log(a) + a * b - torch.tanh(b)
    out.backward()
    return out.item(), a.grad.item(), b.grad.item()


@pytest.mark.parametrize("point", [(2.0, 5.0), (0.7, -1.3)])
def test_reverse_and_forward_mode_agree_with_torch(point):
    value, d1, d2 = torch_gradient(*point)
    graph = ComputationalGraph()
    inputs = {"x1": point[0], "x2": point[1]}
    final = graph.reverse_mode(inputs)[-1]
    assert final.values["f"] == pytest.approx(value, rel=1e-12)
    assert final.adjoints["x1"] == pytest.approx(d1, rel=1e-12)
    assert final.adjoints["x2"] == pytest.approx(d2, rel=1e-12)
    assert graph.forward_mode(inputs, "x1")[-1].tangents["f"] == pytest.approx(d1, rel=1e-12)
    assert graph.forward_mode(inputs, "x2")[-1].tangents["f"] == pytest.approx(d2, rel=1e-12)


def test_reverse_mode_takes_one_step_per_node_each_way():
    graph = ComputationalGraph()
    steps = graph.reverse_mode({"x1": 1.0, "x2": 1.0})
    inner = sum(1 for n in graph.nodes if n.inputs)
    assert len(steps) == len(graph.nodes) + 1 + inner
    assert not math.isnan(steps[-1].adjoints["x1"])


def test_forward_mode_rejects_a_non_input():
    with pytest.raises(ValueError, match="choose one of the inputs"):
        ComputationalGraph().forward_mode({"x1": 1.0, "x2": 1.0}, "v2")


def test_controls_change_what_is_drawn():
    stepper = GraphStepper()
    texts_start = [t.get_text() for t in stepper.ax.texts]
    assert "grad" not in "".join(texts_start)
    stepper.step.value = stepper.step.max
    texts_end = [t.get_text() for t in stepper.ax.texts]
    assert texts_end != texts_start
    _, d1, _ = torch_gradient(stepper.x1.value, stepper.x2.value)
    assert f"grad {d1:.4g}" in stepper.node_texts()["x1"]
    stepper.mode.value = "forward d/dx2"
    assert stepper.step.max == len(stepper.graph.nodes) - 1
    assert "tangent" in "".join(t.get_text() for t in stepper.ax.texts)
    stepper.x1.value = 3.0
    assert "value 3" in stepper.node_texts()["x1"]
