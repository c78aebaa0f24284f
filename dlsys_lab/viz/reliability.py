"""Week-10 widget: the reliability diagram of a classifier, redrawn as a slider changes the softmax temperature.

Bars are dl.uq.reliability's per-bin accuracies; the title gives ECE and NLL at the chosen temperature.
"""
from __future__ import annotations

import numpy as np

from dlsys_lab.viz.style import FULL_LABEL


def reliability_diagram(rel, ax=None, title: str | None = None):
    """Accuracy per confidence bin (bars), mean confidence (dots) and the diagonal; returns the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    n_bins = len(rel.edges) - 1
    lefts, width = np.asarray(rel.edges[:-1], float), 1.0 / n_bins
    filled = rel.counts[:n_bins] > 0
    ax.bar(lefts[filled], rel.accuracy[:n_bins][filled], width=width, align="edge", color="C0",
           edgecolor="white", label="accuracy")
    ax.plot(rel.confidence[:n_bins][filled], rel.confidence[:n_bins][filled], "o", color="C3", ms=4,
            label="mean confidence")
    if rel.counts[n_bins] > 0:  # confidence exactly 1.0: its own bin, drawn as a thin bar at 1
        ax.bar([1.0], [rel.accuracy[n_bins]], width=width / 4, color="C1", label="confidence = 1.0")
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="confidence", ylabel="accuracy",
           title=title or f"ECE {rel.ece:.4f}")
    ax.legend(loc="upper left", fontsize=8)
    return ax


class TemperatureExplorer:
    """A log-scale temperature slider over softmax(logits / T) and the reliability diagram it gives."""

    def __init__(self, logits, labels, n_bins: int = 15, fitted: float | None = None):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        from dlsys_lab.uq.arrays import check_scores

        self.logits, self.labels = check_scores(logits, labels, "logits")
        self.n_bins, self.fitted = n_bins, fitted
        self.temperature = widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.02,
                                                  description="T", readout_format=".2f", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(5, 4.6))
        plt.close(self.figure)
        self.temperature.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, change=None) -> None:
        """Recompute the bins at the slider's temperature and redraw."""
        from IPython.display import clear_output, display

        from dlsys_lab.uq import nll, reliability, softmax

        t = self.temperature.value
        probs = softmax(self.logits, t)
        rel = reliability(probs, self.labels, self.n_bins)
        fitted = f" (fitted T = {self.fitted:.2f})" if self.fitted else ""
        self.ax.clear()
        reliability_diagram(rel, self.ax, f"T = {t:.2f}{fitted}: ECE {rel.ece:.4f}, NLL {nll(probs, self.labels):.4f}")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The slider above the diagram, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.temperature, self.output])
