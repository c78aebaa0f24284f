"""Week-4 widget: pick a kernel, a size and a library; the measured point moves on the roofline.

Points are measured on first selection (then cached), so the explorer shows this machine, not stored numbers.
"""
from __future__ import annotations

from dlsys_lab.bench.kernel_suite import FAST_SIZES, LIBRARIES, SIZES, build
from dlsys_lab.bench.roofline import KernelPoint, explain, roofline
from dlsys_lab.bench.timing import measure
from dlsys_lab.viz.style import FULL_LABEL


class RooflineExplorer:
    """Dropdowns for kernel and library, a slider over the kernel's sizes, and the roofline with the chosen point."""

    def __init__(self, peaks, fast: bool = False, device: str = "cpu", repeat: int = 3):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.peaks, self.device, self.repeat = peaks, device, repeat
        self.sizes = FAST_SIZES if fast else SIZES
        self.cache: dict[tuple, KernelPoint] = {}
        self.kernel = widgets.Dropdown(options=list(self.sizes), value="matmul", description="kernel", style=FULL_LABEL)
        self.library = widgets.Dropdown(options=list(LIBRARIES), value="numpy", description="library", style=FULL_LABEL)
        self.size = widgets.SelectionSlider(options=self._size_options(), description="size", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(7, 4.5))
        plt.close(self.figure)
        self.kernel.observe(self._kernel_changed, names="value")
        self.library.observe(self.redraw, names="value")
        self.size.observe(self.redraw, names="value")
        self.redraw()

    def _size_options(self):
        return [(str(size), size) for size in self.sizes[self.kernel.value]]

    def _kernel_changed(self, change=None) -> None:
        self.size.unobserve(self.redraw, names="value")
        self.size.options = self._size_options()
        self.size.value = self.size.options[0][1]
        self.size.observe(self.redraw, names="value")
        self.redraw()

    def point(self) -> KernelPoint:
        """The selected kernel, size and library, measured (median of `repeat`) once and cached."""
        key = (self.kernel.value, self.size.value, self.library.value)
        if key not in self.cache:
            cost, fn = build(*key, device=self.device)
            timing = measure(fn, warmup=1, repeat=self.repeat, min_sample_s=2e-3)
            self.cache[key] = KernelPoint(cost, key[2], timing.median, timing.spread)
        return self.cache[key]

    def redraw(self, change=None) -> None:
        """Redraw the roof, every point measured so far (faded) and the selected one."""
        from IPython.display import clear_output, display

        chosen = self.point()
        self.ax.clear()
        roofline(self.peaks, list(self.cache.values()), ax=self.ax)
        self.ax.plot(chosen.intensity, chosen.gflops, "o", ms=16, mfc="none", mec="red", mew=2)
        self.ax.set_title(f"{chosen.cost.kernel} {chosen.cost.size} ({chosen.library}): "
                          f"{chosen.gflops:.2f} GFLOP/s at {chosen.intensity:.2f} FLOP/B\n"
                          f"{explain(self.peaks, chosen)}", fontsize=8)
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The controls above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.kernel, self.library]), self.size, self.output])
