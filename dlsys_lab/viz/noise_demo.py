"""Week-4 widget: how many repeats does a timing need? The width of a median's confidence interval against
the number of repeats, from timings measured once in the notebook.

The interval is distribution-free: between two order statistics chosen with the binomial distribution
(the median is below a sample with probability 1/2 each), so it holds for skewed timing noise too.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from dlsys_lab.viz.style import FULL_LABEL


def median_ci(samples: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Order-statistic confidence interval for the median (the widest pair when n is too small for `confidence`)."""
    from scipy import stats

    x = np.sort(np.asarray(samples, dtype=np.float64))
    n = x.size
    if n < 2:
        raise ValueError("median_ci needs at least 2 samples")
    k = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))  # P(Binom(n, 1/2) <= k) ~ alpha / 2
    k = max(min(k, (n - 1) // 2), 0)
    return float(x[k]), float(x[n - 1 - k])


def ci_widths(samples: Sequence[float], repeats: Sequence[int], draws: int = 200, seed: int = 0) -> np.ndarray:
    """Median relative CI width (width / median) of `draws` random subsets of each size in `repeats`."""
    rng = np.random.default_rng(seed)
    x = np.asarray(samples, dtype=np.float64)
    out = []
    for n in repeats:
        widths = []
        for _ in range(draws):
            subset = rng.choice(x, size=n, replace=False)
            low, high = median_ci(subset)
            widths.append((high - low) / np.median(subset))
        out.append(float(np.median(widths)))
    return np.array(out)


class NoiseDemo:
    """A slider for the repeat count: left, one subset's timings and its median's CI; right, CI width vs repeats."""

    def __init__(self, samples: Sequence[float], repeats: Sequence[int] = (3, 5, 7, 10, 15, 20, 30, 50)):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.samples = np.asarray(samples, dtype=np.float64)
        self.repeats = [n for n in repeats if n <= self.samples.size]
        if not self.repeats:
            raise ValueError(f"{self.samples.size} samples: measure at least {min(repeats)}")
        self.widths = ci_widths(self.samples, self.repeats)
        self.n = widgets.SelectionSlider(options=self.repeats, value=self.repeats[0], description="repeats",
                                         style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, (self.ax_samples, self.ax_widths) = plt.subplots(1, 2, figsize=(11, 3.8))
        plt.close(self.figure)
        self.n.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, change=None) -> None:
        """Redraw both panels for the selected repeat count."""
        from IPython.display import clear_output, display

        n = self.n.value
        subset = self.samples[:n] * 1e6
        low, high = median_ci(subset)
        self.ax_samples.clear()
        self.ax_samples.plot(range(1, n + 1), subset, "o", alpha=0.7)
        self.ax_samples.axhline(np.median(subset), color="k", label="median")
        self.ax_samples.axhspan(low, high, color="tab:orange", alpha=0.25, label="95% CI of the median")
        self.ax_samples.set(xlabel="run", ylabel="microseconds", title=f"first {n} runs")
        self.ax_samples.legend(fontsize=8)
        self.ax_widths.clear()
        self.ax_widths.plot(self.repeats, 100 * self.widths, "o-")
        self.ax_widths.plot([n], [100 * self.widths[self.repeats.index(n)]], "o", ms=14, mfc="none", mec="red", mew=2)
        self.ax_widths.set(xscale="log", xlabel="repeats", ylabel="CI width, % of the median",
                           title="typical 95% CI width (random subsets)")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The slider above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.n, self.output])
