"""Week 10 widgets: the temperature slider redraws the reliability diagram; the rung slider steps the brackets."""
import matplotlib
import numpy as np
import pytest

from dlsys_lab import uq
from dlsys_lab.hpo import successive_halving
from dlsys_lab.viz.halving_stepper import HalvingStepper
from dlsys_lab.viz.reliability import TemperatureExplorer

matplotlib.use("Agg")


def bar_heights(ax):
    return [round(p.get_height(), 9) for p in ax.patches]


def test_temperature_slider_changes_the_reliability_diagram():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 400)
    logits = rng.normal(0, 1, (400, 5))
    logits[np.arange(400), labels] += 1.5
    logits *= 4  # over-confident
    explorer = TemperatureExplorer(logits, labels, fitted=uq.temperature_scale(logits, labels))
    before_bars, before_title = bar_heights(explorer.ax), explorer.ax.get_title()
    expected = uq.ece(uq.softmax(logits), labels)
    assert f"ECE {expected:.4f}" in before_title and "T = 1.00" in before_title
    explorer.temperature.value = 3.0
    after = uq.ece(uq.softmax(logits, 3.0), labels)
    assert bar_heights(explorer.ax) != before_bars and f"T = 3.00 (fitted" in explorer.ax.get_title()
    assert f"ECE {after:.4f}" in explorer.ax.get_title()


def test_rung_slider_steps_successive_halving_rung_by_rung():
    result = successive_halving(lambda c, b: c["x"] + 1 / b, [{"x": k / 27} for k in range(27)], 1, 27, 3)
    stepper = HalvingStepper(result.ledger)
    assert stepper.rung.max == 4 and "rung 1/4, 27 configs at budget 1, budget spent 27" in stepper.ax.get_title()
    lines_before = len(stepper.ax.lines)
    stepper.rung.value = 3
    assert "rung 3/4, 3 configs at budget 9, budget spent 81" in stepper.ax.get_title()
    assert len(stepper.ax.lines) == lines_before  # one line per config, now longer for the survivors
    assert max(len(line.get_xdata()) for line in stepper.ax.lines) == 3
    stepper.rung.value = 4
    assert stepper.ax.get_title().endswith(f"budget spent {result.total_budget:g}")
    with pytest.raises(ValueError, match="non-empty ledger"):
        HalvingStepper([])
