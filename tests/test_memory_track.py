"""dl.memory.track(): exact byte counts of backend storage, hand-computed, equal across runs and devices."""
import matplotlib
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.nd import hooks

matplotlib.use("Agg")
B, SIZES = 5, (4, 8, 8, 2)  # a 3-layer MLP: 4 -> 8 -> 8 -> 2, batch 5


def _mlp_step(device, dtype="float32"):
    """Forward bytes, end-of-step bytes, peak and the timeline of one SGD step of the 3-layer MLP."""
    nn.init.manual_seed(0)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(SIZES, SIZES[1:])):
        layers += [nn.Linear(fan_in, fan_out, device=device, dtype=dtype)] + ([nn.ReLU()] if i < 2 else [])
    model = nn.Sequential(*layers)
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    x = dl.Tensor(rng.standard_normal((B, SIZES[0])), device=device, dtype=dtype, requires_grad=False)
    y = dl.Tensor(rng.standard_normal((B, SIZES[-1])), device=device, dtype=dtype, requires_grad=False)
    with dl.memory.track() as m:
        loss = nn.MSELoss()(model(x), y)
        forward = m.current_bytes
        opt.zero_grad()
        loss.backward()
        del loss
        opt.step()
    return forward, m


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_step_counts_match_the_hand_computation(device_name, dtype):
    item = 4 if dtype == "float32" else 8
    forward, m = _mlp_step(device_name, dtype)
    # forward: each Linear keeps x @ W.T and + b (B x out each), each ReLU its output (B x out);
    # MSE keeps the difference, its square (B x 2), their sum and the mean (one element each).
    linear = sum(2 * B * out for out in SIZES[1:])
    relu = sum(B * out for out in SIZES[1:-1])
    mse = 2 * B * SIZES[-1] + 2
    assert forward == (linear + relu + mse) * item
    # after the step: the graph is gone; SGD made new weights and biases, and .grad holds one of each.
    parameters = sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(SIZES, SIZES[1:]))
    assert m.current_bytes == 2 * parameters * item
    assert m.peak_bytes == max(live for _, live, _ in m.timeline)
    assert m.peak_bytes >= forward + parameters * item  # all activations and every gradient meet in backward
    assert m.allocations == sum(not label.startswith("free") for _, _, label in m.timeline[1:])


def test_counts_are_deterministic_and_equal_on_every_device():
    runs = [_mlp_step("numpy")[1] for _ in range(2)]
    if dl.device("cpu").available():
        runs.append(_mlp_step("cpu")[1])
    first = runs[0]
    for m in runs[1:]:
        assert (m.peak_bytes, m.current_bytes, m.timeline) == (first.peak_bytes, first.current_bytes, first.timeline)


def test_views_and_in_place_writes_allocate_nothing(device_name):
    x = dl.Tensor(np.ones((6, 4)), device=device_name, requires_grad=False)
    with dl.memory.track() as m:
        v = x.reshape((4, 6)).transpose()[1:3]
        x.backend.inplace("add", x.data, 1.0)
    assert (m.peak_bytes, m.allocations) == (0, 0) and v.shape == (2, 4)
    with dl.memory.track() as m:
        y = x + x
        assert m.current_bytes == 24 * 4
        del y
    assert (m.current_bytes, m.peak_bytes, m.frees) == (0, 96, 1)
    assert [label for _, _, label in m.timeline] == ["start", "add", "free add"]


def test_nested_trackers_and_phases_and_the_backends_restored(device_name):
    x = dl.Tensor(np.ones((3, 3)), device=device_name, requires_grad=False)
    backend = x.backend
    with dl.memory.track() as outer:
        outer.phase("forward")
        a = x * 2.0
        with dl.memory.track() as inner:
            b = a + 1.0
        del a
    assert inner.peak_bytes == 36 and outer.peak_bytes == 72 and outer.current_bytes == 36
    assert outer.timeline[1][2] == "forward: mul"
    assert not any(name in vars(backend) for name in hooks.HOOKED) and not hooks.LISTENERS  # zero cost after
    assert b.shape == (3, 3)


def test_plot_draws_the_timeline():
    _, m = _mlp_step("numpy")
    fig = m.plot()
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == len(m.timeline)
    assert max(line.get_ydata()) == pytest.approx(m.peak_bytes / 2**20)


def test_an_element_picked_out_is_a_view_on_every_device(device_name):
    x = dl.Tensor(np.arange(6.0), device=device_name, requires_grad=False)
    with dl.memory.track() as m:
        first = x.backend.getitem(x.data, (2,))
        total = x.backend.sum(x.data, (0,), False)
    assert (m.allocations, m.current_bytes) == (1, 4)  # only the sum's one float32
    assert float(x.backend.to_numpy(first)) == 2.0 and float(x.backend.to_numpy(total)) == 15.0
