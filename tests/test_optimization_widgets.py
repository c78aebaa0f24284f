"""The week-9 widgets: the trade-off explorer moves its highlighted point over the grid, the batching simulator
re-simulates when a knob moves; the grid's bits, bytes and accuracy against direct computations."""
import matplotlib
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn
from dlsys_lab.viz.optimization_widgets import (BatchingSimulator, TradeoffExplorer, TradeoffPoint,
                                                fake_quantize_bits, tradeoff_grid, weight_bytes)

matplotlib.use("Agg")


def test_fake_quantize_bits_uses_2_to_the_bits_minus_1_minus_1_levels_per_channel():
    w = np.random.default_rng(0).normal(size=(5, 7)).astype(np.float32)
    w[2] = 0.0
    for bits in (2, 3, 4, 8):
        rounded = fake_quantize_bits(w, bits)
        levels = 2 ** (bits - 1) - 1
        scale = np.abs(w).max(axis=1, keepdims=True) / levels
        codes = np.divide(rounded, scale, out=np.zeros_like(rounded), where=scale > 0)
        np.testing.assert_allclose(codes, np.round(codes), atol=1e-4)
        assert np.abs(np.round(codes)).max() == levels and not rounded[2].any()
        assert np.all(np.abs(rounded - w) <= scale / 2 + 1e-6)
    assert fake_quantize_bits(w, 32) is w
    with pytest.raises(ValueError, match="bits 1"):
        fake_quantize_bits(w, 1)


def _model():
    nn.init.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))


def test_grid_measures_every_point():
    model = _model()
    x = np.random.default_rng(1).normal(size=(40, 8)).astype(np.float32)
    y = model(dl.Tensor(x, requires_grad=False)).numpy().argmax(axis=1)  # the float model is right by definition
    grid = tradeoff_grid(model, x, y, [dl.Tensor(x, requires_grad=False)], bits=(32, 8, 2), ratios=(0.0, 0.5),
                         repeat=1)
    assert [(p.bits, p.ratio) for p in grid] == [(32, 0.0), (8, 0.0), (2, 0.0), (32, 0.5), (8, 0.5), (2, 0.5)]
    assert grid[0].accuracy == 1.0 and grid[0].nbytes == sum(p.numpy().nbytes for p in model.parameters())
    assert grid[1].nbytes == 8 * 16 + 16 * 3 + 4 * (16 + 3) + 4 * (16 + 3)  # int8 weights, scales, biases
    assert grid[3].nbytes < grid[0].nbytes and grid[2].accuracy <= 1.0
    half = dl.prune.channels(model, 0.5)
    assert grid[4].nbytes == weight_bytes(half, 8) == 8 * 8 + 8 * 3 + 4 * (8 + 3) + 4 * (8 + 3)


def test_explorer_highlights_the_chosen_point():
    grid = [TradeoffPoint(b, r, 0.9 - 0.1 * r - 0.01 * (32 - b), int(1000 * (1 - r) * b / 32), 1.0 + b / 32 - r)
            for b in (32, 8, 4) for r in (0.0, 0.5)]
    explorer = TradeoffExplorer(grid)
    for bits, ratio in [(8, 0.5), (4, 0.0), (32, 0.5)]:
        explorer.bits.value, explorer.ratio.value = bits, ratio
        chosen = explorer.point
        assert (chosen.bits, chosen.ratio) == (bits, ratio)
        red = explorer.ax_latency.collections[1].get_offsets()[0]
        np.testing.assert_allclose(red, [chosen.latency_ms, chosen.accuracy])
        red = explorer.ax_size.collections[1].get_offsets()[0]
        np.testing.assert_allclose(red, [chosen.nbytes / 1024, chosen.accuracy])
        assert explorer.result.value.startswith(f"{bits}-bit weights, {ratio:.0%} of channels pruned")
    with pytest.raises(ValueError, match="at least one point"):
        TradeoffExplorer([])


def test_batching_simulator_follows_its_knobs():
    sim = BatchingSimulator(count=400, rates=(100.0, 400.0, 800.0))
    assert sim.current.max_batch == 8 and sim.result.value.startswith("rate 100/s, max_batch 8")  # rates[3 // 4]
    sim.max_batch.value = 1
    assert set(sim.current.batch_sizes) == {1}
    sim.max_batch.value, sim.rate.value, sim.max_wait.value = 32, 800, 5.0
    assert sim.current.batch_sizes.max() <= 32 and sim.current.batch_sizes.mean() > 2
    assert "max_batch 32, max_wait 5 ms" in sim.ax_curve.get_title()
    assert len(sim.ax_curve.lines[0].get_xdata()) == 3
