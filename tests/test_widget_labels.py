"""Every labelled control of our widgets shows its label in full (ipywidgets cuts descriptions at about 80 px)."""
import ast
from pathlib import Path

import dlsys_lab
from dlsys_lab.viz.style import FULL_LABEL

PACKAGE = Path(dlsys_lab.__file__).parent


def labelled_controls():
    """(file:line, call) of every `widgets.X(..., description=...)` in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "widgets"
                    and any(k.arg == "description" for k in node.keywords)):
                yield f"{path.relative_to(PACKAGE)}:{node.lineno}", node


def test_every_labelled_control_has_the_full_label_style():
    found = dict(labelled_controls())
    assert len(found) >= 20
    cut = [where for where, call in found.items()
           if not any(k.arg == "style" and isinstance(k.value, ast.Name) and k.value.id == "FULL_LABEL"
                      for k in call.keywords)]
    assert not cut, f"pass style=FULL_LABEL (dlsys_lab.viz.style) to: {cut}"


def test_the_style_shows_labels_in_full():
    import ipywidgets as widgets
    slider = widgets.FloatSlider(description="learning rate", style=FULL_LABEL)
    assert slider.style.description_width == "initial"


def test_bar_labels_stay_inside_the_axes():
    """Lecture 03's overhead labels: inside the axes, none overlapping its neighbour ("100% overhea" was cut)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from dlsys_lab.viz.dispatch_overhead import DispatchOverheadExplorer
    seconds = {name: [1e-4 * (i + 1), 2e-4 * (i + 1), 1e-2] for i, name in enumerate(
        ["numpy", "torch", "dlsys_lab numpy", "dlsys_lab cpu", "jax jit"])}
    explorer = DispatchOverheadExplorer([1, 1_000, 1_000_000], seconds, ops_per_call=10)
    canvas = FigureCanvasAgg(explorer.figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = explorer.ax_bars.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in explorer.ax_bars.texts]
    assert len(boxes) == 5 and all(axes.contains(b.x0, b.y0) and axes.contains(b.x1, b.y1) for b in boxes)
    assert all(left.x1 <= right.x0 for left, right in zip(boxes, boxes[1:]))
