"""Week-9 widgets: an accuracy / size / latency explorer over weight bits and channel-pruning ratio (on a grid
computed once), and a dynamic-batching simulator (arrival rate, max_batch, max_wait -> latency and throughput)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlsys_lab.bench.timing import measure
from dlsys_lab.viz.style import FULL_LABEL

FLOAT_BITS = 32


@dataclass(frozen=True)
class TradeoffPoint:
    """One model of the grid: its weight bits and pruned fraction of channels, and what was measured on it."""

    bits: int
    ratio: float
    accuracy: float
    nbytes: int
    latency_ms: float


def fake_quantize_bits(w: np.ndarray, bits: int) -> np.ndarray:
    """w rounded to a symmetric per-output-channel grid of `bits` bits (codes in [-(2^(bits-1) - 1), 2^(bits-1) - 1])
    and back; 32 bits leaves it as it is."""
    if bits == FLOAT_BITS:
        return w
    if not 2 <= bits <= 16:
        raise ValueError(f"bits {bits}: expected 2 to 16, or 32 for float32")
    levels = 2 ** (bits - 1) - 1
    flat = np.abs(w.reshape(len(w), -1)).max(axis=1)
    scale = np.where(flat > 0, flat / levels, 1.0).reshape((-1,) + (1,) * (w.ndim - 1))
    return (np.clip(np.round(w / scale), -levels, levels) * scale).astype(w.dtype)


def weight_bytes(model, bits: int) -> int:
    """Bytes of the model's weights stored at `bits` bits (plus a float32 scale per output channel below 32 bits),
    its biases and other parameters in float32."""
    from ..prune import prunable_weights

    weights = prunable_weights(model)
    total = sum(p.numpy().nbytes for name, p in model.named_parameters() if name not in weights)
    for w in weights.values():
        total += w.numpy().nbytes if bits == FLOAT_BITS else (w.numpy().size * bits + 7) // 8 + 4 * len(w.numpy())
    return int(total)


def median_ms(run, x, repeat: int = 5) -> float:
    """Median milliseconds of run(x) over `repeat` calls, after one warm-up call."""
    return 1000.0 * measure(lambda: run(x), warmup=1, repeat=repeat, number=1).median


def tradeoff_grid(model, x_test, y_test, calibration, bits=(32, 8, 6, 4, 3, 2), ratios=(0.0, 0.25, 0.5, 0.75),
                  fine_tune=None, repeat: int = 5) -> list[TradeoffPoint]:
    """Every (bits, ratio): the model channel-pruned by `ratio` (dl.prune.channels, then fine_tune(model) if
    given), its weights rounded to `bits` bits; accuracy on (x_test, y_test), weight bytes, and latency on x_test
    of what runs: float32 at 32 bits, dl.quant's int8 kernel below (fewer bits are unpacked to int8 to compute)."""
    from .. import prune, quant
    from ..autodiff import no_grad
    from ..autodiff.tensor import Tensor

    x = Tensor(np.asarray(x_test, np.float32), requires_grad=False)
    labels = np.asarray(y_test)
    grid = []
    for ratio in ratios:
        pruned = prune.channels(model, ratio) if ratio > 0 else model
        if fine_tune is not None and ratio > 0:
            pruned = fine_tune(pruned)
        pruned.eval()
        with no_grad():
            latency = {FLOAT_BITS: median_ms(pruned, x, repeat)}
            int8 = quant.quantize(pruned, calibration)
            latency[8] = median_ms(int8, x, repeat)
            state = pruned.state_dict()
            for b in bits:
                for name, w in prune.prunable_weights(pruned).items():
                    w.data = w.backend.from_numpy(fake_quantize_bits(state[name], b))
                accuracy = float((pruned(x).numpy().argmax(axis=1) == labels).mean())
                pruned.load_state_dict(state)
                grid.append(TradeoffPoint(b, float(ratio), accuracy, weight_bytes(pruned, b),
                                          latency[FLOAT_BITS if b == FLOAT_BITS else 8]))
    return grid


class TradeoffExplorer:
    """Sliders for weight bits and pruning ratio over a precomputed grid: accuracy against bytes and against
    latency, every grid point in grey, the chosen one in red, its numbers in the label."""

    def __init__(self, grid: list[TradeoffPoint]):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        if not grid:
            raise ValueError("the explorer needs a grid of at least one point (see tradeoff_grid)")
        self.grid = grid
        bits = sorted({p.bits for p in grid}, reverse=True)
        ratios = sorted({p.ratio for p in grid})
        self.bits = widgets.SelectionSlider(options=bits, value=bits[0], description="weight bits",
                                            style=FULL_LABEL)
        self.ratio = widgets.SelectionSlider(options=ratios, value=ratios[0], description="channels pruned",
                                             style=FULL_LABEL)
        self.result = widgets.Label()
        self.output = widgets.Output()
        self.figure, (self.ax_size, self.ax_latency) = plt.subplots(1, 2, figsize=(10, 3.6))
        plt.close(self.figure)
        for knob in (self.bits, self.ratio):
            knob.observe(self.redraw, names="value")
        self.redraw()

    @property
    def point(self) -> TradeoffPoint:
        """The grid point the sliders choose."""
        return next(p for p in self.grid if p.bits == self.bits.value and p.ratio == self.ratio.value)

    def redraw(self, change=None) -> None:
        """Redraw both plots with the chosen point highlighted."""
        from IPython.display import clear_output, display

        chosen = self.point
        for ax, x_of, label in ((self.ax_size, lambda p: p.nbytes / 1024, "weights (KiB)"),
                                (self.ax_latency, lambda p: p.latency_ms, "latency on the test set (ms)")):
            ax.clear()
            ax.scatter([x_of(p) for p in self.grid], [p.accuracy for p in self.grid], c="0.7", s=18)
            ax.scatter([x_of(chosen)], [chosen.accuracy], c="tab:red", s=60, zorder=3)
            ax.set_xlabel(label)
            ax.set_ylabel("test accuracy")
        self.ax_size.set_title("accuracy vs size", fontsize=10)
        self.ax_latency.set_title("accuracy vs latency (below 32 bits: the int8 kernel)", fontsize=10)
        self.figure.tight_layout()
        self.result.value = (f"{chosen.bits}-bit weights, {chosen.ratio:.0%} of channels pruned: accuracy "
                             f"{chosen.accuracy:.3f}, {chosen.nbytes} bytes, {chosen.latency_ms:.2f} ms")
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The sliders, the numbers and the plots, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.bits, self.ratio]), self.result, self.output])


class BatchingSimulator:
    """Sliders for arrival rate, max_batch and max_wait over dl.serve.simulate (a model costing fixed_ms +
    per_row_ms a row): latency percentiles against throughput as the rate sweeps, the chosen rate marked, and the
    batch sizes at that rate."""

    def __init__(self, fixed_ms: float = 2.0, per_row_ms: float = 0.1, count: int = 2000,
                 rates=tuple(np.linspace(50, 1500, 16))):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.fixed_ms, self.per_row_ms, self.count, self.rates = fixed_ms, per_row_ms, count, tuple(rates)
        self.rate = widgets.SelectionSlider(options=[round(r) for r in self.rates],
                                            value=round(self.rates[len(self.rates) // 4]),
                                            description="arrival rate (requests/s)", style=FULL_LABEL)
        self.max_batch = widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64], value=8, description="max_batch",
                                                 style=FULL_LABEL)
        self.max_wait = widgets.SelectionSlider(options=[0.0, 0.5, 1.0, 2.0, 5.0, 10.0], value=1.0,
                                                description="max_wait (ms)", style=FULL_LABEL)
        self.result = widgets.Label()
        self.output = widgets.Output()
        self.figure, (self.ax_curve, self.ax_batches) = plt.subplots(1, 2, figsize=(10, 3.6))
        plt.close(self.figure)
        for knob in (self.rate, self.max_batch, self.max_wait):
            knob.observe(self.redraw, names="value")
        self.redraw()

    def simulate(self, rate: float):
        """One simulated run at `rate` with the chosen max_batch and max_wait."""
        from ..serve.simulate import simulate

        return simulate(rate, self.max_batch.value, self.max_wait.value, fixed_ms=self.fixed_ms,
                        per_row_ms=self.per_row_ms, count=self.count)

    def redraw(self, change=None) -> None:
        """Re-simulate the sweep and redraw."""
        from IPython.display import clear_output, display

        runs = [self.simulate(rate) for rate in self.rates]
        self.current = self.simulate(self.rate.value)
        ax = self.ax_curve
        ax.clear()
        throughput = [r.throughput_per_s for r in runs]
        ax.plot(throughput, [r.percentile(50) for r in runs], "o-", ms=3, label="p50")
        ax.plot(throughput, [r.percentile(99) for r in runs], "o-", ms=3, label="p99")
        ax.plot([self.current.throughput_per_s], [self.current.percentile(99)], "o", c="tab:red", ms=9)
        ax.axvline(1000.0 / (self.fixed_ms + self.per_row_ms), c="0.6", ls=":", label="one request at a time: max")
        ax.set_yscale("log")
        ax.set_xlabel("throughput (requests/s)")
        ax.set_ylabel("latency (ms)")
        ax.legend(fontsize=8)
        ax.set_title(f"rate swept, max_batch {self.max_batch.value}, max_wait {self.max_wait.value:g} ms",
                     fontsize=10)
        ax = self.ax_batches
        ax.clear()
        sizes = self.current.batch_sizes
        ax.hist(sizes, bins=np.arange(0.5, max(sizes.max(), 1) + 1.5))
        ax.set_xlabel("batch size (rows)")
        ax.set_ylabel("batches")
        ax.set_title(f"at {self.rate.value} requests/s", fontsize=10)
        self.figure.tight_layout()
        self.result.value = self.current.summary()
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The sliders, the numbers and the plots, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.rate, self.max_batch, self.max_wait]), self.result, self.output])
