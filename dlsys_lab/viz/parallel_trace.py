"""Week-6 figure: measured data-parallel steps as a Gantt chart, one row per (rank, lane), one panel per variant.

The spans come from dlsys_lab.parallel.timeline (hooks and all-reduce completions), not from a model.
"""
from __future__ import annotations

from dlsys_lab.parallel.timeline import LANES


def plot_measured_timelines(spans_by_variant: dict, title: str = ""):
    """A figure with one panel per variant; returns it (matplotlib)."""
    import matplotlib.pyplot as plt

    variants = [v for v, spans in spans_by_variant.items() if spans]
    if not variants:
        raise ValueError("no spans to draw: run timeline_worker with at least one round")
    ranks = sorted({s.rank for v in variants for s in spans_by_variant[v]})
    rows = [(rank, lane) for rank in ranks for lane in LANES]
    figure, axes = plt.subplots(len(variants), 1, figsize=(11, 1.2 + 0.35 * len(rows) * len(variants)),
                                sharex=True, squeeze=False)
    for ax, variant in zip(axes[:, 0], variants):
        spans = spans_by_variant[variant]
        origin = min(s.start for s in spans)
        for y, (rank, lane) in enumerate(rows):
            bars = [((s.start - origin) * 1e3, (s.end - s.start) * 1e3) for s in spans
                    if s.rank == rank and s.lane == lane]
            # all-reduce spans of one rank can overlap (queued asynchronous ones): draw them thin and see-through
            ax.broken_barh(bars, (y - 0.35, 0.7), facecolors=f"C{LANES.index(lane)}", edgecolor="white",
                           alpha=0.55 if lane == "all-reduce" else 0.9)
        end = max(s.end for s in spans) - origin
        ax.set(yticks=range(len(rows)), yticklabels=[f"rank {r} {lane}" for r, lane in rows],
               title=f"{variant}: one step, {end * 1e3:.0f} ms from the first forward to the last optimizer step")
        ax.invert_yaxis()
    axes[-1, 0].set_xlabel("milliseconds since the step began (rank clocks are one machine clock)")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure
