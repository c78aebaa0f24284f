"""Graphs are freed: many training steps keep the number of live Tensors and the traced memory flat,
and graphs of 10^5 nodes backpropagate (no recursion limit) and are released.
"""
import gc
import tracemalloc

import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.autodiff.tensor import Tensor


def _live_tensors() -> int:
    gc.collect()
    return sum(issubclass(type(o), Tensor) for o in gc.get_objects())  # type(): no proxy __class__ lookups


def _training_step_factory(device):
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16, device=device), nn.ReLU(), nn.BatchNorm1d(16, device=device),
                          nn.Linear(16, 3, device=device))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = dl.Tensor(rng.standard_normal((10, 8)), device=device, requires_grad=False)
    y = rng.integers(0, 3, 10)

    def step():
        loss = nn.CrossEntropyLoss()(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return step


def test_training_steps_do_not_grow_live_tensors(device_name):
    step = _training_step_factory(device_name)
    for _ in range(5):
        step()
    before = _live_tensors()
    for _ in range(50):
        step()
    assert _live_tensors() == before


def test_training_steps_do_not_grow_memory(device_name):
    step = _training_step_factory(device_name)
    for _ in range(5):
        step()
    tracemalloc.start()
    try:
        for _ in range(20):
            step()
        gc.collect()
        after_warmup, _ = tracemalloc.get_traced_memory()
        for _ in range(100):
            step()
        gc.collect()
        after_many, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after_many - after_warmup < 64 * 1024, f"grew by {after_many - after_warmup} bytes over 100 steps"


def test_no_graph_is_recorded_without_requires_grad_or_under_no_grad(device_name):
    a = dl.Tensor([1.0, 2.0], device=device_name, requires_grad=False)
    b = dl.Tensor([3.0, 4.0], device=device_name)
    assert (a * 2 + a).op is None
    assert (a * b).op is not None
    with dl.no_grad():
        c = (a * b).exp()
    assert c.op is None and not c.requires_grad and c.inputs == ()
    assert (a * b).requires_grad  # the switch is restored after the block


@pytest.mark.slow
def test_deep_graph_backpropagates_and_is_released():
    x = dl.Tensor([1.0], dtype="float64")
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.00001 ** 100_000], rtol=1e-9)
    del y
    assert _live_tensors() < 1000


def test_reused_node_accumulates_gradients():
    x = dl.Tensor([2.0, -1.0], dtype="float64")
    h = x * x
    (h + h * 3 + h.exp()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (4 + np.exp([4.0, 1.0])) * 2 * np.array([2.0, -1.0]))
    (x * 1).sum().backward()  # a second backward adds to .grad
    np.testing.assert_allclose(x.grad.numpy(), (4 + np.exp([4.0, 1.0])) * 2 * np.array([2.0, -1.0]) + 1)


def test_detach_cuts_the_graph():
    x = dl.Tensor([3.0])
    y = (x * x).detach() * x
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [9.0])
