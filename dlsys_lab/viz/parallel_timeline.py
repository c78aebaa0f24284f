"""Week-6 widget: compute and communication of a data-parallel backward pass as the bucket size changes.

Bars come from dlsys_lab.parallel.overlap_model; a slider picks the bucket size.
"""
from __future__ import annotations

from typing import Sequence

from dlsys_lab.parallel.overlap_model import overlap_timeline, step_seconds
from dlsys_lab.viz.style import FULL_LABEL

LANES = {"compute": 1.0, "comm": 0.0}


class BucketTimelineExplorer:
    """Two lanes (backward compute, all-reduce) over time; the title gives the step time and bucket count."""

    def __init__(self, layer_bytes: Sequence[float], layer_seconds: Sequence[float], bucket_sizes: Sequence[int],
                 world_size: int = 2, bandwidth: float = 1e9, latency: float = 1e-3):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.layer_bytes, self.layer_seconds = list(layer_bytes), list(layer_seconds)
        self.model = dict(world_size=world_size, bandwidth=bandwidth, latency=latency)
        self.bucket = widgets.SelectionSlider(options=[(f"{b / 2**20:g} MB", b) for b in bucket_sizes],
                                              value=bucket_sizes[0], description="bucket", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(10, 2.8))
        plt.close(self.figure)  # shown through self.output only
        self.bucket.observe(self.redraw, names="value")
        self.redraw()

    def segments(self):
        """The timeline at the selected bucket size."""
        return overlap_timeline(self.layer_bytes, self.layer_seconds, self.bucket.value, **self.model)

    def redraw(self, change=None) -> None:
        """Redraw both lanes for the selected bucket size."""
        from IPython.display import clear_output, display

        segments = self.segments()
        self.ax.clear()
        for lane, y in LANES.items():
            bars = [(s.start * 1e3, (s.end - s.start) * 1e3) for s in segments if s.lane == lane]
            colors = [f"C{i % 10}" for i in range(len(bars))]
            self.ax.broken_barh(bars, (y - 0.4, 0.8), facecolors=colors, edgecolor="white")
        buckets = sum(s.lane == "comm" for s in segments)
        self.ax.set(yticks=list(LANES.values()), yticklabels=["backward", "all-reduce"], xlabel="milliseconds",
                    title=f"{buckets} buckets: step {step_seconds(segments) * 1e3:.1f} ms "
                          f"(compute alone {sum(self.layer_seconds) * 1e3:.1f} ms)")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The slider above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.bucket, self.output])
