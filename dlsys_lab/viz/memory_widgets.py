"""Week-7 widgets: the memory timeline of a training step as checkpoint segments change, and a planner
packing the values of a captured step into one arena, one placement at a time."""
from __future__ import annotations

from typing import Sequence

from dlsys_lab.viz.style import FULL_LABEL


class _Explorer:
    """A slider over an output that shows one matplotlib figure, redrawn by `draw()`."""

    def _show(self):
        from IPython.display import clear_output, display

        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def redraw(self, change=None) -> None:
        """Redraw the figure for the slider's value."""
        self.draw()
        self._show()

    def widget(self):
        """The slider above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.slider, self.output])


def step_timeline(layers, x, segments):
    """The MemoryTracker of forward + backward of `layers` on x, checkpointed in `segments` (None: plain)."""
    from dlsys_lab import memory, nn

    params = [p for layer in layers for p in layer.parameters()]
    for p in params:
        p.grad = None
    with memory.track() as m:
        m.phase("forward")
        out = nn.Sequential(*layers)(x) if segments is None else nn.checkpoint_sequential(layers, segments, x)
        loss = (out * out).mean()
        m.phase("backward")
        loss.backward()
        del loss, out
    return m


class CheckpointTimelineExplorer(_Explorer):
    """Live bytes over one step for each number of checkpoint segments (a slider), the plain run in grey."""

    def __init__(self, layers, x, segment_choices: Sequence[int]):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.layers = list(layers)
        self.trackers = {k: step_timeline(self.layers, x, k) for k in segment_choices}
        self.plain = step_timeline(self.layers, x, None)
        self.slider = widgets.SelectionSlider(options=list(segment_choices), value=segment_choices[0],
                                              description="segments", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(9, 3.2))
        plt.close(self.figure)
        self.slider.observe(self.redraw, names="value")
        self.redraw()

    def draw(self) -> None:
        """The plain timeline and the selected checkpointed one, with their peaks."""
        k, m = self.slider.value, self.trackers[self.slider.value]
        self.ax.clear()
        for tracker, style, label in ((self.plain, dict(color="0.6"), "plain"), (m, dict(color="C0"), f"{k} segments")):
            steps = [t[0] for t in tracker.timeline]
            self.ax.step(steps, [t[1] / 2**20 for t in tracker.timeline], where="post", label=label, **style)
        self.ax.set(xlabel="allocation / free event", ylabel="live MiB",
                    title=f"{k} segments: peak {m.peak_bytes / 2**20:.2f} MiB vs plain "
                          f"{self.plain.peak_bytes / 2**20:.2f} MiB ({m.peak_bytes / self.plain.peak_bytes:.0%}), {m.allocations} allocations vs "
                          f"{self.plain.allocations}")
        self.ax.legend(loc="upper left")


class PlannerStepper(_Explorer):
    """The arena as a strategy places values one by one: a box per value (steps alive x bytes)."""

    def __init__(self, graph, strategy: str = "first_fit"):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        from dlsys_lab import memory

        self.graph, self.strategy = graph, strategy
        self.lifetimes = memory.liveness(graph)
        self.sizes = {n.name: n.nbytes for n in graph.nodes}
        self.order: list[str] = []
        self.plan = memory.plan(graph, strategy, on_place=lambda name, offset, busy: self.order.append(name))
        self.lower, self.naive = memory.lower_bound(graph), memory.naive_bytes(graph)
        self.slider = widgets.IntSlider(value=len(self.order), min=1, max=len(self.order), description="placed",
                                        style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(9, 3.6))
        plt.close(self.figure)
        self.slider.observe(self.redraw, names="value")
        self.redraw()

    def draw(self) -> None:
        """The first `slider.value` placements, the latest one in red."""
        from matplotlib.patches import Rectangle

        shown = self.order[:self.slider.value]
        self.ax.clear()
        for i, name in enumerate(shown):
            first, last = self.lifetimes[name]
            latest = i == len(shown) - 1
            self.ax.add_patch(Rectangle((first, self.plan.offsets[name] / 1024), last + 1 - first,
                                        self.sizes[name] / 1024, facecolor="tab:red" if latest else f"C{i % 10}",
                                        alpha=0.9 if latest else 0.5, edgecolor="k", lw=0.3))
        top = max(self.plan.offsets[n] + self.sizes[n] for n in shown)
        self.ax.axhline(self.lower / 1024, color="k", ls="--", lw=1, label="lower bound")
        self.ax.set(xlim=(0, len(self.graph.nodes)), ylim=(0, max(self.plan.arena_bytes, self.lower) / 1024 * 1.05),
                    xlabel="step", ylabel="arena offset (KiB)",
                    title=f"{self.strategy}: {len(shown)}/{len(self.order)} placed ({shown[-1]}), arena so far "
                          f"{top / 1024:.0f} KiB; lower bound {self.lower / 1024:.0f}, "
                          f"naive {self.naive / 1024:.0f} KiB")
        self.ax.legend(loc="upper right")
