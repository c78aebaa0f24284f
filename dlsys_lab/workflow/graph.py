"""Draw a task graph with matplotlib alone (no graphviz): one column per depth, arrows from inputs to tasks."""
from __future__ import annotations


def draw_dag(deps: dict, depth: dict, colors: dict | None = None, ax=None):
    """deps {task: input tasks}, depth {task: column}; colors {task: matplotlib color}. Returns the axes."""
    import matplotlib.pyplot as plt

    colors = colors or {}
    columns: dict[int, list] = {}
    for name in deps:
        columns.setdefault(depth[name], []).append(name)
    tallest = max(len(names) for names in columns.values())
    position = {name: (column, (tallest - 1) / 2 - row)
                for column, names in columns.items() for row, name in enumerate(names)}
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * len(columns) + 1, 0.8 * tallest + 1))
    for name, inputs in deps.items():
        for source in inputs:
            ax.annotate("", xy=position[name], xytext=position[source],
                        arrowprops=dict(arrowstyle="->", color="0.4", shrinkA=22, shrinkB=22))
    for name, (x, y) in position.items():
        ax.text(x, y, name, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", facecolor=colors.get(name, "C0"), alpha=0.8, edgecolor="0.3"))
    ax.set(xlim=(-0.6, len(columns) - 0.4), ylim=(-tallest / 2 - 0.2, tallest / 2 + 0.2))
    ax.axis("off")
    return ax
