"""Week-5 widget: a GEMM stepped through a systolic array one cycle at a time.

Three grids show, in each unit, the operand moving right, what moves down (B, the stationary operand while it
loads, then partial sums), and what stays; busy units are outlined. Values come from systolic.simulate's trace.
"""
from __future__ import annotations

import numpy as np

from dlsys_lab.viz.style import FULL_LABEL

from . import systolic

PANELS = ("horizontal", "vertical", "stationary")
TITLES = {"os": ("A moves right", "B moves down", "C accumulates in place"),
          "ws": ("A moves right", "B loads, then partial sums move down", "B stays"),
          "is": ("B (transposed) moves right", "A loads, then partial sums move down", "A (transposed) stays")}


class SystolicStepper:
    """A dataflow menu and a cycle slider over three register grids and the busy-unit count per cycle."""

    def __init__(self, A=None, B=None, rows: int = 3, cols: int = 3, dataflow: str = "os"):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        rng = np.random.default_rng(0)
        self.A = rng.integers(1, 10, (4, 3)) if A is None else np.asarray(A)
        self.B = rng.integers(1, 10, (3, 5)) if B is None else np.asarray(B)
        self.rows, self.cols = rows, cols
        self.dataflow = widgets.Dropdown(options=systolic.DATAFLOWS, value=dataflow, description="dataflow",
                                         style=FULL_LABEL)
        self.cycle = widgets.IntSlider(value=0, min=0, max=1, description="cycle", style=FULL_LABEL)
        self.play = widgets.Play(interval=400)
        widgets.jslink((self.play, "value"), (self.cycle, "value"))
        self.output = widgets.Output()
        self.figure = plt.figure(figsize=(11, 5.2))
        grid = self.figure.add_gridspec(2, 3, height_ratios=[3, 1.2])
        self.axes = [self.figure.add_subplot(grid[0, i]) for i in range(3)]
        self.ax_busy = self.figure.add_subplot(grid[1, :])
        plt.close(self.figure)  # shown through self.output only
        self.dataflow.observe(self.rerun, names="value")
        self.cycle.observe(self.redraw, names="value")
        self.rerun()

    def rerun(self, change=None) -> None:
        """Simulate with the chosen dataflow and start again at cycle 0."""
        _, self.stats = systolic.simulate(self.A, self.B, self.rows, self.cols, self.dataflow.value, trace=True)
        self.cycle.max = self.play.max = self.stats.ticks - 1
        if self.cycle.value:
            self.cycle.value = 0  # (redraws through the observer)
        else:
            self.redraw()

    def redraw(self, change=None) -> None:
        """Draw the registers of every unit in the selected cycle."""
        from IPython.display import clear_output, display

        t, trace, stats = self.cycle.value, self.stats.trace, self.stats
        busy = trace.busy[t]
        for ax, panel, title in zip(self.axes, PANELS, TITLES[stats.dataflow]):
            values = getattr(trace, panel)[t]
            ax.clear()
            ax.imshow(np.where(busy, 1.0, 0.15), cmap="Blues", vmin=0, vmax=1.6)
            for (i, j), value in np.ndenumerate(values):
                ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9,
                        fontweight="bold" if busy[i, j] else "normal")
            ax.set(title=title, xticks=range(self.cols), yticks=range(self.rows))
        phase = "loading the stationary operand" if trace.loading[t] else "streaming"
        self.figure.suptitle(f"{stats.dataflow}: cycle {t} of {stats.cycles} (SCALE-Sim's count), fold "
                             f"{trace.fold[t] + 1} of {stats.folds}, {phase}; {int(busy.sum())} units busy")
        self.ax_busy.clear()
        self.ax_busy.step(range(stats.ticks), stats.active, where="mid")
        self.ax_busy.axvline(t, color="C3")
        self.ax_busy.set(xlabel="cycle", ylabel="busy units", ylim=(0, self.rows * self.cols + 0.5),
                         title=f"utilization {stats.utilization:.1%} over {stats.cycles} cycles")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The controls above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.dataflow, self.play, self.cycle]), self.output])
