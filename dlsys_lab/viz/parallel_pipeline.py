"""Week-6 widget: GPipe and 1F1B schedules side by side, and the bubble, as stages and micro-batches change.

Bars come from dlsys_lab.parallel.schedule.simulate: forward ops light, backward ops dark, one row per stage.
"""
from __future__ import annotations

from dlsys_lab.parallel.schedule import SCHEDULES, bubble_fraction, max_in_flight, simulate
from dlsys_lab.viz.style import FULL_LABEL


class PipelineBubbleExplorer:
    """One diagram per schedule; titles give the bubble fraction and the most activations a stage holds."""

    def __init__(self, stages: int = 4, micro_batches: int = 4, backward_time: float = 2.0):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.backward_time = backward_time
        self.stages = widgets.IntSlider(value=stages, min=1, max=8, description="stages", style=FULL_LABEL)
        self.micro_batches = widgets.IntSlider(value=micro_batches, min=1, max=16, description="micro-batches",
                                               style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.axes = plt.subplots(len(SCHEDULES), 1, figsize=(10, 5), sharex=True)
        plt.close(self.figure)  # shown through self.output only
        for slider in (self.stages, self.micro_batches):
            slider.observe(self.redraw, names="value")
        self.redraw()

    def events(self) -> dict:
        """Simulated events per schedule name at the current slider values."""
        return {name: simulate(make(self.stages.value, self.micro_batches.value), 1.0, self.backward_time)
                for name, make in SCHEDULES.items()}

    def redraw(self, change=None) -> None:
        """Redraw both schedules."""
        from IPython.display import clear_output, display

        p, m = self.stages.value, self.micro_batches.value
        for ax, (name, events) in zip(self.axes, self.events().items()):
            ax.clear()
            for e in events:
                ax.broken_barh([(e.start, e.end - e.start)], (e.stage - 0.4, 0.8),
                               facecolors=f"C{e.micro % 10}", alpha=0.45 if e.kind == "F" else 1.0, edgecolor="white")
                ax.text((e.start + e.end) / 2, e.stage, f"{e.kind}{e.micro}", ha="center", va="center", fontsize=7)
            held = max(max_in_flight(ops) for ops in SCHEDULES[name](p, m))
            ax.set(yticks=range(p), ylabel="stage", ylim=(p - 0.5, -0.5),
                   title=f"{name}: bubble {bubble_fraction(events):.0%} (formula (p-1)/(m+p-1) = "
                         f"{(p - 1) / (m + p - 1):.0%}), at most {held} micro-batches of activations held")
        self.axes[-1].set_xlabel("time (forward = 1)")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The sliders above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.stages, self.micro_batches]), self.output])
