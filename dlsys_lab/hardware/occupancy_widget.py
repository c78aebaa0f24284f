"""Week-5 widget: CUDA occupancy with sliders for block size, registers and shared memory.

Bars show how many blocks each resource allows per SM (dlsys_lab.hardware.gpu.occupancy); the smallest wins.
"""
from __future__ import annotations

from dlsys_lab.viz.style import FULL_LABEL

from . import gpu


class OccupancyCalculator:
    """Sliders for threads per block, registers per thread and shared memory per block; an architecture menu."""

    def __init__(self, threads: int = 256, registers: int = 32, shared_kb: int = 0, arch: str = "sm_90"):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.arch = widgets.Dropdown(options=list(gpu.ARCHS), value=arch, description="arch", style=FULL_LABEL)
        self.threads = widgets.IntSlider(value=threads, min=32, max=1024, step=32, description="threads/block",
                                         style=FULL_LABEL)
        self.registers = widgets.IntSlider(value=registers, min=16, max=255, description="registers/thread",
                                           style=FULL_LABEL)
        self.shared_kb = widgets.IntSlider(value=shared_kb, min=0, max=227, description="shared KB/block",
                                           style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, self.ax = plt.subplots(figsize=(8, 3))
        plt.close(self.figure)  # shown through self.output only
        for control in (self.arch, self.threads, self.registers, self.shared_kb):
            control.observe(self.redraw, names="value")
        self.redraw()

    def result(self) -> gpu.Occupancy:
        """The occupancy of the selected configuration (shared memory clipped to the architecture's maximum)."""
        spec = gpu.ARCHS[self.arch.value]
        shared = min(self.shared_kb.value * 1024, spec.max_shared_per_block)
        return gpu.occupancy(self.threads.value, self.registers.value, shared, self.arch.value)

    def redraw(self, change=None) -> None:
        """One bar per resource: the blocks per SM it allows."""
        from IPython.display import clear_output, display

        result = self.result()
        names, allowed = list(result.limits), list(result.limits.values())
        self.ax.clear()
        colors = ["C3" if value == result.blocks_per_sm else "C0" for value in allowed]
        self.ax.barh(names, allowed, color=colors)
        for y, value in enumerate(allowed):
            self.ax.text(value, y, f" {value}", va="center")
        self.ax.set(xlabel="blocks per SM this resource allows", xlim=(0, max(allowed) * 1.15 + 1),
                    title=f"{result.arch}: {result.blocks_per_sm} blocks x {result.warps_per_block} warps = "
                          f"{result.active_warps} warps, occupancy {result.occupancy:.0%} (limited by "
                          f"{result.limiter})")
        self.figure.tight_layout()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The sliders above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.arch, self.threads]), widgets.HBox([self.registers, self.shared_kb]),
                             self.output])
