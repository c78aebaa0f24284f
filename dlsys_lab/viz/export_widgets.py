"""Week-8 widgets: a graph viewer that steps through the passes of dl.export.optimize, and schedule knobs for the
DSL's matmul showing the generated C++ beside its measured speed."""
from __future__ import annotations

import numpy as np

from dlsys_lab.bench.timing import measure
from dlsys_lab.viz.style import FULL_LABEL


def layers_of(graph) -> list[int]:
    """Each node's depth: 0 when it reads only graph inputs and initializers, else 1 + its deepest producer's."""
    depth_of: dict[str, int] = {}
    depths = []
    for node in graph.nodes:
        depth = 1 + max((depth_of[name] for name in node.inputs if name in depth_of), default=-1)
        depths.append(depth)
        depth_of.update({out: depth for out in node.outputs})
    return depths


def draw_graph(graph, ax, title: str = "") -> None:
    """The graph's nodes as labelled boxes in columns by depth, with an arrow per value passed between nodes."""
    depths = layers_of(graph)
    rows: dict[int, int] = {}
    where, made_by = [], {}
    for index, (node, depth) in enumerate(zip(graph.nodes, depths)):
        row = rows.get(depth, 0)
        rows[depth] = row + 1
        where.append((depth, -row))
        made_by.update({out: index for out in node.outputs})
    ax.clear()
    for index, node in enumerate(graph.nodes):
        for name in node.inputs:
            if name in made_by:
                (x0, y0), (x1, y1) = where[made_by[name]], where[index]
                ax.annotate("", (x1 - 0.3, y1), (x0 + 0.3, y0), arrowprops=dict(arrowstyle="->", color="0.5"))
    for (x, y), node in zip(where, graph.nodes):
        label = "+".join(m.op for m in node.body) if node.body else node.op
        ax.text(x, y, label, ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#ffe9b3" if node.body else "#dbe9f6", ec="0.4"))
    ax.set_xlim(-0.8, max(depths, default=0) + 0.8)
    ax.set_ylim(-max(rows.values(), default=1) + 0.2, 0.8)
    ax.set_axis_off()
    ax.set_title(title or graph.summary(), fontsize=9)


class PassStepper:
    """A slider over the stages of dl.export.optimize (traced, then after each pass): the graph drawn at each
    stage, with the node count and the time the pass took; `stages` holds (name, graph, report)."""

    def __init__(self, graph, passes=("fold", "cse", "dce", "fuse")):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        from ..export import optimize

        self.stages = [("traced", graph, None)]
        for name in passes:
            after, (report,) = optimize(self.stages[-1][1], (name,))
            self.stages.append((name, after, report))
        self.slider = widgets.SelectionSlider(options=[name for name, _, _ in self.stages], description="after", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(10, 4))
        plt.close(self.figure)
        self.slider.observe(self.redraw, names="value")
        self.redraw()

    def title(self) -> str:
        """The current stage in one line: node count, and the pass's change and time."""
        name, graph, report = next(s for s in self.stages if s[0] == self.slider.value)
        change = f": {report}" if report is not None else ""
        return f"{name}{change} | {graph.summary()}"

    def redraw(self, change=None) -> None:
        """Draw the graph of the selected stage."""
        from IPython.display import clear_output, display

        graph = next(g for name, g, _ in self.stages if name == self.slider.value)
        draw_graph(graph, self.ax, self.title())
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The slider above the drawing, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([self.slider, self.output])


class ScheduleKnobs:
    """Knobs for the DSL's matmul (step, tile size): the generated C++ and its measured GFLOP/s on n x n float32,
    each choice compiled once (the library cache keeps it)."""

    def __init__(self, n: int = 256, repeat: int = 3):
        import ipywidgets as widgets

        from .. import dsl

        self.n, self.repeat = n, repeat
        rng = np.random.default_rng(0)
        self.a, self.b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
        self.step = widgets.Dropdown(options=list(dsl.STEPS), value="naive", description="schedule",
                                 style=FULL_LABEL)
        self.tile = widgets.SelectionSlider(options=[8, 16, 32, 64, 128], value=64, description="tile",
                                          style=FULL_LABEL)
        self.code = widgets.HTML()
        self.result = widgets.HTML()
        self.measured: dict[str, float] = {}  # generated C++ -> GFLOP/s
        for knob in (self.step, self.tile):
            knob.observe(self.update, names="value")
        self.update()

    def measure(self, step: str, tile: int) -> float:
        """GFLOP/s of the DSL matmul scheduled as `step` with `tile` (median of `repeat` runs, after a warm-up).

        Measured once per distinct generated code: a schedule that ignores the tile (naive) is not built again."""
        from .. import dsl

        code = dsl.lower(dsl.matmul_schedule(step, tile))
        if code not in self.measured:
            name = f"knobs_{step}_{tile}"
            kernel = dsl.build({name: dsl.matmul_schedule(step, tile)})[name]
            timing = measure(lambda: kernel(self.a, self.b), warmup=1, repeat=self.repeat, number=1)
            self.measured[code] = 2 * self.n ** 3 / timing.median / 1e9
        return self.measured[code]

    def update(self, change=None) -> None:
        """Show the code of the chosen schedule and its measured speed."""
        import html

        from .. import dsl

        step, tile = self.step.value, self.tile.value
        self.code.value = f"<pre style='font-size:11px'>{html.escape(dsl.lower(dsl.matmul_schedule(step, tile)))}</pre>"
        rate = self.measure(step, tile)
        naive = self.measure("naive", tile) if step != "naive" else rate
        self.result.value = f"{step}, tile {tile}: {rate:.1f} GFLOP/s at n={self.n} ({rate / naive:.1f}x naive)"

    def widget(self):
        """The knobs, the measured speed and the code, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.step, self.tile]), self.result, self.code])
