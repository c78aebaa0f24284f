"""The week-7 widgets redraw when their slider moves."""
import matplotlib
import numpy as np

import dlsys_lab as dl
from dlsys_lab import memory, nn
from dlsys_lab.memory.examples import training_step
from dlsys_lab.viz.memory_widgets import CheckpointTimelineExplorer, PlannerStepper

matplotlib.use("Agg")


def test_checkpoint_slider_changes_the_timeline_and_peak():
    nn.init.manual_seed(0)
    layers = [nn.Sequential(nn.Linear(32, 32), nn.ReLU()) for _ in range(8)]
    x = dl.Tensor(np.random.default_rng(0).standard_normal((64, 32)), requires_grad=False)
    explorer = CheckpointTimelineExplorer(layers, x, [1, 2, 4, 8])
    before = explorer.ax.get_title(), explorer.ax.lines[1].get_ydata().copy()
    explorer.slider.value = 4
    assert explorer.ax.get_title() != before[0] and explorer.ax.get_title().startswith("4 segments")
    assert not np.array_equal(explorer.ax.lines[1].get_ydata(), before[1])
    assert explorer.trackers[4].peak_bytes < explorer.plain.peak_bytes


def test_planner_stepper_draws_one_box_per_placed_value():
    step = training_step("mlp", batch=4)
    step()
    graph = memory.capture(step)
    stepper = PlannerStepper(graph, "first_fit")
    n = len(stepper.order)
    assert len(stepper.ax.patches) == n == sum(node.nbytes > 0 for node in graph.nodes)
    stepper.slider.value = 3
    assert len(stepper.ax.patches) == 3 and stepper.ax.get_title().startswith(f"first_fit: 3/{n} placed")
