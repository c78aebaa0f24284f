"""Week 5's widgets: the systolic stepper and the occupancy calculator redraw from the models when moved."""
import matplotlib
import numpy as np

from dlsys_lab.hardware import gpu, systolic
from dlsys_lab.hardware.occupancy_widget import OccupancyCalculator
from dlsys_lab.hardware.systolic_widget import SystolicStepper

matplotlib.use("Agg")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_the_stepper_moves_operands_through_the_array_cycle_by_cycle():
    A, B = np.arange(1, 7).reshape(2, 3), np.arange(1, 7).reshape(3, 2)
    stepper = SystolicStepper(A, B, rows=2, cols=2, dataflow="os")
    assert stepper.cycle.max == stepper.stats.ticks - 1
    assert texts(stepper.axes[0]) == ["1", "0", "0", "0"]  # cycle 0: A[0, 0] enters the corner unit ...
    stepper.cycle.value = 1  # ... then moves right as A[0, 1] follows it and A[1, 0] enters row 1, one cycle late
    assert texts(stepper.axes[0]) == [str(A[0, 1]), str(A[0, 0]), str(A[1, 0]), "0"]
    stepper.cycle.value = stepper.cycle.max
    assert texts(stepper.axes[2]) == [str(v) for v in (A @ B).reshape(-1)]  # the accumulators hold C
    assert "cycle" in stepper.figure._suptitle.get_text() and "utilization" in stepper.ax_busy.get_title()


def test_changing_the_dataflow_reruns_the_simulation():
    stepper = SystolicStepper(rows=3, cols=3, dataflow="os")
    stepper.cycle.value = 2
    stepper.dataflow.value = "ws"
    _, ws = systolic.simulate(stepper.A, stepper.B, 3, 3, "ws")
    assert stepper.cycle.value == 0 and stepper.cycle.max == ws.ticks - 1
    assert "loading" in stepper.figure._suptitle.get_text() and stepper.axes[2].get_title() == "B stays"


def test_the_occupancy_sliders_recompute_the_limits():
    calc = OccupancyCalculator(threads=256, registers=32, shared_kb=0, arch="sm_90")
    assert "occupancy 100%" in calc.ax.get_title()
    calc.registers.value = 64
    assert "occupancy 50%" in calc.ax.get_title() and "registers" in calc.ax.get_title()
    calc.shared_kb.value = 100
    expected = gpu.occupancy(256, 64, 100 * 1024, "sm_90")
    assert f"{expected.blocks_per_sm} blocks" in calc.ax.get_title() and expected.limiter == "shared memory"
    calc.arch.value = "sm_86"  # 100 KB is above sm_86's 99 KB per block: clipped to the maximum
    assert calc.result().blocks_per_sm == 1
