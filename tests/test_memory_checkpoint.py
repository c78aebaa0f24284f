"""Gradient checkpointing: the same gradients as the plain run (float64, 1e-12), less memory (counted)."""
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn


def _grads(model, x, run, seed=7):
    """Gradients of every parameter and of the input after backward of sum(run(model, x) ** 2)."""
    nn.init.manual_seed(seed)  # dropout's masks come from the shared generator, or the layer's own
    for i, m in enumerate(model.modules()):
        if isinstance(m, nn.Dropout) and m.rng is not None:
            m.rng = np.random.default_rng(seed + i)
    for p in model.parameters():
        p.grad = None
    xt = dl.Tensor(x, dtype="float64", requires_grad=True)
    out = run(model, xt)
    (out * out).sum().backward()
    return [p.grad.numpy() for p in model.parameters()] + [xt.grad.numpy()]


def _assert_same(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-12)


def _mlp(depth, width, p=0.0, own_rng=False):
    nn.init.manual_seed(0)
    layers = []
    for i in range(depth):
        layers += [nn.Linear(width, width, dtype="float64"), nn.Tanh() if i % 2 else nn.ReLU()]
        if p:
            layers.append(nn.Dropout(p, rng=np.random.default_rng(i) if own_rng and i % 2 else None))
    return nn.Sequential(*layers)


def plain(model, x):
    return model(x)


@pytest.mark.parametrize("segments", [1, 2, 3, 7])
@pytest.mark.parametrize("p", [0.0, 0.4])
def test_checkpoint_sequential_gradients_equal_the_plain_run(segments, p):
    model = _mlp(5, 6, p, own_rng=True)
    x = np.random.default_rng(1).standard_normal((4, 6))
    expected = _grads(model, x, plain)
    _assert_same(_grads(model, x, lambda m, xt: nn.checkpoint_sequential(m, segments, xt)), expected)
    if p:  # the masks matter: other draws give other gradients, so equality means the same masks
        assert not np.allclose(_grads(model, x, plain, seed=8)[0], expected[0])


def test_checkpoint_of_a_cnn_equals_the_plain_run():
    nn.init.manual_seed(0)
    features = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, dtype="float64"), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(3, 4, 3, dtype="float64"), nn.Tanh())
    head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 2 * 2, 3, dtype="float64"))
    model = nn.Sequential(features, head)
    x = np.random.default_rng(2).standard_normal((2, 2, 8, 8))
    expected = _grads(model, x, plain)
    _assert_same(_grads(model, x, lambda m, xt: head(dl.checkpoint(features, xt))), expected)
    _assert_same(_grads(model, x, lambda m, xt: nn.checkpoint_sequential(list(features.layers) + [head], 3, xt)),
                 expected)


def test_checkpoint_of_a_closure_finds_its_parameters_and_keeps_non_tensor_arguments():
    model = _mlp(2, 5)
    x = np.random.default_rng(3).standard_normal((3, 5))

    def block(xt, scale):
        return model(xt) * scale

    expected = _grads(model, x, lambda m, xt: block(xt, 3.0))
    _assert_same(_grads(model, x, lambda m, xt: dl.checkpoint(block, xt, 3.0)), expected)


def test_checkpoint_supports_second_derivatives():
    w = dl.Tensor(np.array([0.3, -0.7, 1.1]), dtype="float64")

    def f(x):
        return (x * w).tanh().sum()

    x = dl.Tensor(np.array([0.5, 0.2, -0.4]), dtype="float64")
    expected = dl.grad(lambda x: dl.grad(f)(x).sum())(x).numpy()
    got = dl.grad(lambda x: dl.grad(lambda y: dl.checkpoint(f, y))(x).sum())(x).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_segments_are_validated_and_sqrt_is_the_default_choice():
    assert nn.segment_bounds(7, 3) == [(0, 3), (3, 5), (5, 7)]
    assert [nn.sqrt_segments(n) for n in (1, 4, 16, 64)] == [1, 2, 4, 8]
    with pytest.raises(ValueError, match="between 1 and the number of layers"):
        nn.segment_bounds(4, 5)
    with pytest.raises(TypeError, match="one Tensor"):
        dl.checkpoint(lambda x: (x, x), dl.Tensor([1.0]))


def _peak(model, x, segments):
    for p in model.parameters():
        p.grad = None
    with dl.memory.track() as m:
        out = model(x) if segments is None else nn.checkpoint_sequential(model, segments, x)
        loss = (out * out).sum()
        loss.backward()
        del loss, out
    return m.peak_bytes


@pytest.mark.slow
def test_sqrt_segments_peak_at_most_0_6_of_plain_for_16_layers():
    nn.init.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(128, 128), nn.ReLU()) for _ in range(16)])
    x = dl.Tensor(np.random.default_rng(0).standard_normal((256, 128)), requires_grad=False)
    plain_peak = _peak(model, x, None)
    sqrt_peak = _peak(model, x, nn.sqrt_segments(16))
    assert sqrt_peak <= 0.6 * plain_peak, (sqrt_peak, plain_peak)
    # the counted bytes follow the budget model of dl.memory.checkpoint_peak: activations saved per layer
    assert dl.memory.checkpoint_peak([1] * 16, 4) < dl.memory.checkpoint_peak([1] * 16, 1)
