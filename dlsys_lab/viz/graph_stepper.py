"""Week-2 widget: step a computational graph through its forward and backward passes and see
each node's value and gradient (reverse mode) or tangent (forward mode).
"""
from __future__ import annotations

from dlsys_lab.viz.computational_graph import ComputationalGraph
from dlsys_lab.viz.style import FULL_LABEL

# where each node of the example graph sits on the canvas
EXAMPLE_LAYOUT = {"x1": (0, 2), "x2": (0, 0), "v1": (1, 2.4), "v2": (1, 1.2), "v3": (1, 0),
                  "v4": (2, 1.8), "f": (3, 1)}
MODES = ("reverse", "forward d/dx1", "forward d/dx2")


class GraphStepper:
    """A step slider, a mode switch and input boxes over a drawing of the graph."""

    def __init__(self, graph: ComputationalGraph | None = None, layout=None, x1: float = 2.0, x2: float = 1.0):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.graph = graph or ComputationalGraph()
        self.layout = layout or EXAMPLE_LAYOUT
        self.mode = widgets.ToggleButtons(options=MODES, value="reverse", description="mode", style=FULL_LABEL)
        self.x1 = widgets.FloatText(value=x1, description="x1", style=FULL_LABEL)
        self.x2 = widgets.FloatText(value=x2, description="x2", style=FULL_LABEL)
        self.step = widgets.IntSlider(value=0, min=0, max=1, description="step", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(9, 4.5))
        plt.close(self.figure)  # shown through self.output only
        for control in (self.mode, self.x1, self.x2):
            control.observe(self.retrace, names="value")
        self.step.observe(self.redraw, names="value")
        self.retrace()

    def retrace(self, change=None) -> None:
        """Recompute the trace for the current mode and inputs, then redraw."""
        point = {"x1": self.x1.value, "x2": self.x2.value}
        if self.mode.value == "reverse":
            self.trace = self.graph.reverse_mode(point)
        else:
            self.trace = self.graph.forward_mode(point, wrt=self.mode.value.split("/d")[-1])
        self.step.max = len(self.trace) - 1
        self.step.value = min(self.step.value, self.step.max)
        self.redraw()

    def node_texts(self) -> dict:
        """What each node shows at the current step: label, value, and tangent or gradient."""
        state = self.trace[self.step.value]
        texts = {}
        for node in self.graph.nodes:
            lines = [f"{node.name} = {node.label}" if node.inputs else node.name]
            if node.name in state.values:
                lines.append(f"value {state.values[node.name]:.4g}")
            if node.name in state.tangents:
                lines.append(f"tangent {state.tangents[node.name]:.4g}")
            if node.name in state.adjoints:
                lines.append(f"grad {state.adjoints[node.name]:.4g}")
            texts[node.name] = "\n".join(lines)
        return texts

    def redraw(self, change=None) -> None:
        """Draw nodes, edges and the current step's description."""
        from IPython.display import clear_output, display

        state = self.trace[self.step.value]
        self.ax.clear()
        self.ax.set_axis_off()
        boxes = {}
        for name, text in self.node_texts().items():
            done = name in state.values
            colour = "gold" if name == state.active else ("lightblue" if done else "white")
            boxes[name] = self.ax.text(*self.layout[name], text, ha="center", va="center", fontsize=9,
                                       bbox={"boxstyle": "round", "facecolor": colour, "edgecolor": "0.3"})
        for node in self.graph.nodes:  # each arrow ends at its boxes' edges, however many lines they hold
            for name in node.inputs:
                self.ax.annotate("", xy=self.layout[node.name], xytext=self.layout[name],
                                 arrowprops={"arrowstyle": "-|>", "color": "0.45", "shrinkA": 2, "shrinkB": 2,
                                             "patchA": boxes[name].get_bbox_patch(),
                                             "patchB": boxes[node.name].get_bbox_patch()})
        self.ax.set_xlim(-0.5, 3.5)
        self.ax.set_ylim(-0.6, 3.0)
        self.ax.set_title(f"{self.mode.value}, step {self.step.value}/{self.step.max}: {state.description}",
                          fontsize=9)
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """Controls above the drawing, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.mode]), widgets.HBox([self.x1, self.x2]), self.step,
                             self.output])
