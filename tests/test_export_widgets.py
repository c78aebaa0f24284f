"""The week-8 widgets: the pass stepper redraws each stage's graph, the schedule knobs recompile and re-measure."""
import matplotlib
import numpy as np

import dlsys_lab as dl
from dlsys_lab.viz.export_widgets import PassStepper, ScheduleKnobs, layers_of

matplotlib.use("Agg")


def example_graph():
    w = dl.Tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=False)
    return dl.export.trace(lambda x: ((x @ w.transpose()).tanh() * 2.0 + 1.0).relu(),
                           np.ones((2, 3), np.float32))


def labels(ax):
    """The texts of the node boxes (arrows are annotations with no text)."""
    return [t.get_text() for t in ax.texts if t.get_text()]


def test_pass_stepper_draws_one_box_per_node_at_every_stage():
    stepper = PassStepper(example_graph())
    assert [name for name, _, _ in stepper.stages] == ["traced", "fold", "cse", "dce", "fuse"]
    for name, graph, _ in stepper.stages:
        stepper.slider.value = name
        assert len(labels(stepper.ax)) == len(graph) and stepper.ax.get_title().startswith(name)
    assert len(stepper.stages[-1][1]) < len(stepper.stages[0][1])
    assert labels(stepper.ax) == ["MatMul", "Tanh+Mul+Add+Relu"]


def test_layers_put_each_node_after_its_producers():
    graph = example_graph()
    depths = layers_of(graph)
    assert depths[0] == 0 and depths == sorted(depths)


def test_schedule_knobs_show_the_code_and_speed_of_the_chosen_schedule():
    knobs = ScheduleKnobs(n=64, repeat=1)
    assert "for (int64_t k = 0" in knobs.code.value and knobs.result.value.startswith("naive, tile 64")
    knobs.step.value = "tiled"
    knobs.tile.value = 16
    assert "k_o * 16" in knobs.code.value and knobs.result.value.startswith("tiled, tile 16")
    # naive ignores the tile: its code is the same at 64 and 16 and is built and measured once; tiled twice
    assert len(knobs.measured) == 3
