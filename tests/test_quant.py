"""dl.quant: int8 kernels against a float reference of the same integer arithmetic, the quantization error
bound, calibration, and accuracy on digits within one point of float32."""
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn, optim
from dlsys_lab.data import DataLoader, digits
from dlsys_lab.quant import choose_qparams, dequantize_array, matmul_int8, quantize_array, quantize_weight

pytestmark = pytest.mark.xdist_group("quant")  # the digits model is trained once, by one worker
CPU = dl.device("cpu")
needs_cpu = pytest.mark.skipif(not CPU.available(), reason=f"cpu: {CPU.status()}")


@needs_cpu
@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (7, 5, 3), (33, 70, 129), (64, 96, 256)])
def test_int8_kernel_equals_float_reference(m, n, k):
    rng = np.random.default_rng(m * n * k)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (n, k), dtype=np.int8)
    a[0], b[0] = -128, -128  # the largest products: (-128)^2 * k
    got = matmul_int8(a, b, "cpu")
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, matmul_int8(a, b, "reference"))
    np.testing.assert_array_equal(got, a.astype(np.int64) @ b.astype(np.int64).T)
    assert got[0, 0] == 128 * 128 * k


@pytest.mark.parametrize("per_channel", [True, False])
@pytest.mark.parametrize("symmetric", [True, False])
def test_dequantize_error_is_at_most_half_a_step(per_channel, symmetric):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(16, 3, 3, 3)).astype(np.float32) * rng.uniform(0.01, 3, size=(16, 1, 1, 1))
    w[3] = 0.0  # an all-zero channel
    w[4] = np.abs(w[4])  # a channel with no negative value
    q, qp = quantize_weight(w, per_channel, symmetric)
    assert q.dtype == np.int8
    if symmetric:
        assert q.min() >= -127 and not qp.zero_point.any()
    scale = qp.scale.reshape(-1, 1, 1, 1) if per_channel else qp.scale
    error = np.abs(dequantize_array(q, qp).astype(np.float64) - w)
    assert np.all(error <= scale / 2 * (1 + 1e-6))


def test_qparams_by_hand():
    qp = choose_qparams(-1.0, 2.0, symmetric=True)
    assert qp.scale == np.float32(2 / 127) and qp.zero_point == 0
    qp = choose_qparams(0.5, 2.0, symmetric=False)  # the range is widened to contain 0
    assert qp.scale == np.float32(2 / 255) and qp.zero_point == -128
    np.testing.assert_array_equal(quantize_array(np.array([0.0, 2.0, 9.0]), qp), [-128, 127, 127])


def _conv_model():
    nn.init.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, stride=2), nn.Flatten(),
                         nn.Linear(6 * 3 * 3, 10))


@needs_cpu
@pytest.mark.parametrize("symmetric", [True, False])
def test_quantized_model_integer_path_equals_reference_and_float(symmetric):
    x = dl.Tensor(np.random.default_rng(0).uniform(0, 1, (20, 1, 8, 8)), requires_grad=False)
    model = _conv_model()
    quantized = {kernel: dl.quant.quantize(model, [x], symmetric=symmetric, kernel=kernel)
                 for kernel in ("cpu", "reference")}
    out = quantized["cpu"](x).numpy()
    np.testing.assert_array_equal(out, quantized["reference"](x).numpy())
    expected = model(x).numpy()
    assert np.abs(out - expected).max() < 0.05 * np.abs(expected).max()
    assert isinstance(model[0], nn.Conv2d)  # the original is untouched


@pytest.fixture(scope="module")
def digits_mlp():
    """A 64-128-10 MLP trained on digits (a few seconds), its test loader and calibration batches."""
    nn.init.manual_seed(0)
    train_set, test_set = digits()
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer, loss_fn = optim.SGD(model.parameters(), lr=0.1, momentum=0.9), nn.CrossEntropyLoss()
    for epoch in range(8):
        for x, y in DataLoader(train_set, batch_size=32, shuffle=True, seed=epoch):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    calibration = [batch for _, batch in zip(range(2), DataLoader(train_set, batch_size=256, shuffle=True, seed=9))]
    return model.eval(), DataLoader(test_set, batch_size=360), calibration


def _accuracy(model, loader):
    x, y = next(iter(loader))
    return float((model(x).numpy().argmax(axis=1) == y.numpy()).mean())


@pytest.mark.parametrize("observer", ["minmax", "percentile"])
def test_digits_accuracy_within_one_point(digits_mlp, observer):
    model, test_loader, calibration = digits_mlp
    float_accuracy = _accuracy(model, test_loader)
    assert float_accuracy > 0.95
    quantized = dl.quant.quantize(model, calibration, per_channel=True, symmetric=True, observer=observer)
    assert float_accuracy - _accuracy(quantized, test_loader) <= 0.01
    assert dl.quant.model_bytes(quantized) < 0.3 * dl.quant.model_bytes(model)


def test_calibration_takes_tensors_or_pairs_and_needs_one(digits_mlp):
    model, _, calibration = digits_mlp
    from_pairs = dl.quant.quantize(model, calibration, kernel="reference")
    from_tensors = dl.quant.quantize(model, (x for x, _ in calibration), kernel="reference")
    assert from_pairs[0].input_qp == from_tensors[0].input_qp
    with pytest.raises(ValueError, match="at least one calibration batch"):
        dl.quant.quantize(model, [])
    with pytest.raises(ValueError, match="observers are: minmax, percentile"):
        dl.quant.quantize(model, calibration, observer="mse")


def test_percentile_range_ignores_outliers():
    minmax, percentile = dl.quant.MinMaxObserver(), dl.quant.PercentileObserver(percentile=99.0)
    values = np.concatenate([np.linspace(-1, 1, 1000), [50.0]])
    for observer in (minmax, percentile):
        observer.observe(values)
    assert minmax.range() == (-1.0, 50.0)
    low, high = percentile.range()
    assert -1.0 <= low < -0.9 and 0.9 < high <= 1.0


def test_fake_quantize_rounds_forward_and_passes_gradients_straight_through_inside_the_range():
    qp = choose_qparams(-1.0, 1.0, symmetric=True)
    x = dl.Tensor([-3.0, -0.5004, 0.2, 0.9, 2.0])
    y = dl.quant.fake_quantize(x, qp)
    np.testing.assert_array_equal(y.numpy(), dequantize_array(quantize_array(x.numpy(), qp), qp))
    y.backward(dl.Tensor(np.full(5, 2.0)))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0, 2.0, 0.0])  # clipped entries get none


def test_fake_quantized_weights_train_per_channel():
    w = dl.Tensor(np.random.default_rng(0).standard_normal((4, 6)))
    _, qp = quantize_weight(w.numpy(), per_channel=True, symmetric=True)
    loss = (dl.quant.fake_quantize(w, qp) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * dequantize_array(quantize_array(w.numpy(), qp), qp), rtol=1e-6)
