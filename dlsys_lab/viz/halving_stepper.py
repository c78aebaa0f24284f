"""Week-10 widget: successive-halving brackets stepped rung by rung, straight from a Result's ledger.

Each config is a line of loss against budget (log scale); a slider reveals one more rung per step, so the
survivors of every rung and the budget spent so far can be read off.
"""
from __future__ import annotations

from dlsys_lab.viz.style import FULL_LABEL


def rungs_of(ledger) -> list[list]:
    """The ledger split into rungs: consecutive runs of evaluations at the same budget."""
    rungs = []
    for entry in ledger:
        if rungs and rungs[-1][-1][2] == entry[2]:
            rungs[-1].append(entry)
        else:
            rungs.append([entry])
    return rungs


class HalvingStepper:
    """A rung slider over one successive-halving ledger; the title says the rung, survivors and budget spent."""

    def __init__(self, ledger, title: str = "successive halving"):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.rungs, self.name = rungs_of(ledger), title
        if not self.rungs:
            raise ValueError("HalvingStepper needs a non-empty ledger")
        self.rung = widgets.IntSlider(value=1, min=1, max=len(self.rungs), description="rungs shown", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(7, 4))
        plt.close(self.figure)
        self.rung.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, change=None) -> None:
        """Draw the first `rung` rungs: one line per config, a dot per evaluation."""
        from IPython.display import clear_output, display

        shown = self.rungs[:self.rung.value]
        paths = {}
        for rung in shown:
            for trial_id, _, budget, loss in rung:
                paths.setdefault(trial_id, []).append((budget, loss))
        survivors = {entry[0] for entry in shown[-1]}
        self.ax.clear()
        for trial_id, points in paths.items():
            budgets, losses = zip(*points)
            alive = trial_id in survivors
            self.ax.plot(budgets, losses, "-o", ms=3, lw=1.5 if alive else 0.6, alpha=1.0 if alive else 0.35,
                         color="C3" if alive else "C0")
        spent = sum(entry[2] for rung in shown for entry in rung)
        last = shown[-1]
        self.ax.set(xscale="log", xlabel="budget", ylabel="loss",
                    title=f"{self.name}: rung {len(shown)}/{len(self.rungs)}, {len(last)} configs at budget "
                          f"{last[0][2]:g}, budget spent {spent:g}")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The slider above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.rung, self.output])
