"""Week-3 widget: time per call against tensor size for eager and graph execution, measured beforehand.

A slider picks a size; the bars show the time per call there (divided by the ops in the chain) and how much of
it is fixed overhead.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from dlsys_lab.bench.cost_model import fit_linear_cost
from dlsys_lab.viz.style import FULL_LABEL


class DispatchOverheadExplorer:
    """Left: seconds per call against elements (log-log) per framework; right: us per call / ops at one size."""

    def __init__(self, sizes: Sequence[int], seconds: Mapping[str, Sequence[float]], ops_per_call: int):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.sizes = [int(n) for n in sizes]
        self.seconds = {label: np.asarray(values, dtype=np.float64) for label, values in seconds.items()}
        for label, values in self.seconds.items():
            if values.shape != (len(self.sizes),):
                raise ValueError(f"{label}: {values.size} timings for {len(self.sizes)} sizes; time every size")
        self.ops_per_call = ops_per_call
        self.costs = {label: fit_linear_cost(self.sizes, values) for label, values in self.seconds.items()}
        self.size = widgets.SelectionSlider(options=self.sizes, value=self.sizes[0], description="elements",
                                            style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, (self.ax_curves, self.ax_bars) = plt.subplots(1, 2, figsize=(11, 4))
        plt.close(self.figure)  # shown through self.output only
        self._draw_curves()
        self.size.observe(self.redraw, names="value")
        self.redraw()

    def _draw_curves(self) -> None:
        """The measured curves, dashed for graph modes (labels containing 'jit', 'compile' or 'function')."""
        for label, values in self.seconds.items():
            style = "--" if any(k in label for k in ("jit", "compile", "function")) else "-"
            self.ax_curves.plot(self.sizes, values, style, marker="o", label=label)
        self.cursor = self.ax_curves.axvline(self.sizes[0], color="gray", lw=1)
        self.ax_curves.set(xscale="log", yscale="log", xlabel="elements per tensor", ylabel="seconds per call",
                           title=f"a chain of {self.ops_per_call} elementwise ops (medians)")
        self.ax_curves.legend(fontsize=8)

    def microseconds_per_op(self) -> np.ndarray:
        """Measured microseconds per call divided by ops_per_call at the selected size, one value per framework."""
        index = self.sizes.index(self.size.value)
        return np.array([values[index] for values in self.seconds.values()]) / self.ops_per_call * 1e6

    def overhead_share(self) -> np.ndarray:
        """Fraction of each framework's fitted time at the selected size that is fixed overhead."""
        n = self.size.value
        return np.array([cost.overhead / float(cost(n)) for cost in self.costs.values()])

    def redraw(self, change=None) -> None:
        """Move the cursor and redraw the bars for the selected size."""
        from IPython.display import clear_output, display

        self.cursor.set_xdata([self.size.value, self.size.value])
        self.ax_bars.clear()
        labels = list(self.seconds)
        heights = self.microseconds_per_op()
        bars = self.ax_bars.bar(labels, heights, color=[f"C{i}" for i in range(len(labels))])
        for bar, share in zip(bars, self.overhead_share()):  # two short lines, inside the axes' headroom
            self.ax_bars.annotate(f"{share:.0%}\noverhead", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                  ha="center", va="bottom", fontsize=8, annotation_clip=True)
        self.ax_bars.set(yscale="log", ylabel=f"microseconds per call / {self.ops_per_call}",
                         title=f"n = {self.size.value:,} elements")
        self.ax_bars.set_ylim(top=float(np.max(heights)) * 6)
        self.ax_bars.tick_params(axis="x", labelrotation=45, labelsize=8)
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The slider above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.size, self.output])
