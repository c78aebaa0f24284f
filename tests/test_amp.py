"""Mixed precision (week 9): half storage against a float64 NumPy reference of the same rounding, autocast's
dtypes and gradients, digits trained under autocast, loss scaling's rescue of float16 gradients, and
GradScaler against torch.amp.GradScaler on one sequence of finite and non-finite gradients."""
import numpy as np
import pytest
import torch

import dlsys_lab as dl
from conftest import DEVICES
from dlsys_lab.amp.digits import train_digits
from dlsys_lab.nd.dtypes import numpy_dtype

HALVES = ["bfloat16", "float16"]


@pytest.fixture(params=[p for p in DEVICES if p.id in ("numpy", "cpu")])
def device_name(request):
    """The devices with half storage: numpy and cpu (the cuda kernels have no half path yet)."""
    return request.param


def rounded(x, dtype):
    """x rounded to the storage dtype, as a float64 array (the reference's inputs)."""
    return np.asarray(x).astype(np.float32).astype(numpy_dtype(dtype)).astype(np.float64)


def ulps(got, want, dtype):
    """Distance in units in the last place of the storage dtype between two arrays of its values."""
    bits = [np.asarray(v).astype(numpy_dtype(dtype)).view(np.int16).astype(np.int64) for v in (got, want)]
    ordered = [np.where(b < 0, -(b & 0x7FFF), b) for b in bits]  # sign-magnitude -> a monotone integer line
    return np.abs(ordered[0] - ordered[1])


def operands(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
def test_binary_elementwise_is_float32_arithmetic_rounded_once(device_name, dtype, op):
    a, b = operands((7, 33), 1), operands((33,), 2, 0.5, 2.0)  # b broadcasts along rows
    x, y = dl.Tensor(a, device=device_name, dtype=dtype), dl.Tensor(b, device=device_name, dtype=dtype)
    fn = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q, "mul": lambda p, q: p * q, "div": lambda p, q: p / q,
          "maximum": np.maximum}[op]
    got = fn(x, y).numpy() if op != "maximum" else x.backend.to_numpy(x.backend.maximum(x.data, y.data))
    assert got.dtype == numpy_dtype(dtype)
    ra, rb = rounded(a, dtype), rounded(b, dtype)
    # float32 arithmetic on half inputs is exact to float32; one rounding to the half: bit for bit that
    want32 = fn(ra.astype(np.float32), rb.astype(np.float32)).astype(numpy_dtype(dtype))
    assert np.array_equal(got.view(np.int16), want32.view(np.int16))
    # and within one half ulp of the float64 result rounded once (float32 then half is a double rounding)
    assert ulps(got, fn(ra, rb), dtype).max() <= 1


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("op", ["exp", "log", "tanh", "sqrt", "sigmoid", "neg"])
def test_unary_elementwise_within_one_ulp_of_float64(device_name, dtype, op):
    a = operands((5, 40), 3, 0.05, 3.0)
    x = dl.Tensor(a, device=device_name, dtype=dtype)
    got = getattr(x, op)() if op != "neg" else -x
    assert got.dtype == dtype
    r = rounded(a, dtype)
    want = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
            "neg": np.negative}[op](r)
    assert ulps(got.numpy(), want, dtype).max() <= 1


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("axes", [None, 0, 1, (0, 2)])
def test_sum_accumulates_in_float32_within_one_ulp(device_name, dtype, axes):
    a = operands((6, 50, 9), 4, 0.0, 1.0)  # positive: no cancellation, so one ulp is a fair bound
    x = dl.Tensor(a, device=device_name, dtype=dtype)
    got = x.sum(axes)
    assert got.dtype == dtype
    assert ulps(got.numpy(), rounded(a, dtype).sum(axis=axes), dtype).max() <= 1
    assert np.array_equal(x.max(axes).numpy().astype(np.float64), rounded(a, dtype).max(axis=axes))


@pytest.mark.parametrize("dtype", HALVES)
def test_sum_of_many_ones_is_exact_because_the_accumulator_is_float32(device_name, dtype):
    # accumulated in bfloat16 the running sum would stop at 256 (256 + 1 rounds back to 256)
    total = dl.Tensor(np.ones(4096), device=device_name, dtype=dtype).sum()
    assert float(total.numpy()) == 4096.0


@pytest.mark.parametrize("dtype", HALVES)
def test_matmul_accumulates_in_float32_within_one_ulp(device_name, dtype):
    a, b = operands((37, 53), 5, 0.0, 1.0), operands((29, 53), 6, 0.0, 1.0)
    x, w = dl.Tensor(a, device=device_name, dtype=dtype), dl.Tensor(b, device=device_name, dtype=dtype)
    got = x @ w.transpose()  # a strided (transposed) operand
    assert got.dtype == dtype
    assert ulps(got.numpy(), rounded(a, dtype) @ rounded(b, dtype).T, dtype).max() <= 1
    batched = dl.Tensor(np.stack([a, a[::-1]]), device=device_name, dtype=dtype) @ w.transpose()
    want = np.stack([rounded(a, dtype), rounded(a[::-1], dtype)]) @ rounded(b, dtype).T
    assert ulps(batched.numpy(), want, dtype).max() <= 1


@pytest.mark.parametrize("dtype", HALVES)
def test_casts_round_to_nearest_even_like_numpy(device_name, dtype):
    a = np.concatenate([operands((500,), 7, -70000.0, 70000.0), operands((500,), 8, -1e-6, 1e-6),
                        np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], np.float32)])
    with np.errstate(over="ignore"):  # beyond float16's 65504: inf, as intended
        x = dl.Tensor(a, device=device_name).astype(dtype)
        want = a.astype(numpy_dtype(dtype))
    same = np.isnan(want) | (x.numpy().view(np.int16) == want.view(np.int16))
    assert same.all() and np.isnan(x.numpy()[np.isnan(want)].astype(np.float32)).all()
    assert np.array_equal(x.astype("float32").numpy(), want.astype(np.float32), equal_nan=True)


def test_mixed_dtypes_promote_like_numpy(device_name):
    h = dl.Tensor(np.ones((2, 3)), device=device_name, dtype="bfloat16")
    assert (h + dl.Tensor(np.ones(3), device=device_name)).dtype == "float32"
    assert (h + dl.Tensor(np.ones(3), device=device_name, dtype="float16")).dtype == "float32"
    assert (h * 3.0).dtype == "bfloat16"
    exact = dl.Tensor(np.full((3, 2), 1 + 2.0 ** -30), device=device_name, dtype="float64")
    product = h @ exact
    assert product.dtype == "float64" and product.numpy()[0, 0] == 3 * (1 + 2.0 ** -30)  # no float32 in between


@pytest.mark.parametrize("dtype", HALVES)
def test_autocast_runs_matmul_low_and_loss_float32_with_float32_master_gradients(device_name, dtype):
    rng = np.random.default_rng(0)
    layer = dl.nn.Linear(6, 4, device=device_name)
    x = dl.Tensor(rng.normal(size=(5, 6)), device=device_name, requires_grad=False)
    with dl.amp.autocast(dtype):
        product = x @ layer.weight.transpose()
        loss = dl.nn.CrossEntropyLoss()(product, [0, 1, 2, 3, 0])
    assert product.dtype == dtype and loss.dtype == "float32"
    loss.backward()
    assert layer.weight.grad.dtype == "float32"
    # the same loss in float64: the gradient agrees to the half's precision
    w = dl.Tensor(layer.weight.numpy(), dtype="float64")
    dl.nn.CrossEntropyLoss()(dl.Tensor(x.numpy(), dtype="float64", requires_grad=False) @ w.transpose(),
                             [0, 1, 2, 3, 0]).backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), w.grad.numpy(), atol=3e-2 if dtype == "bfloat16" else 5e-3)
    assert dl.amp.autocast_dtype() is None  # the block restored the previous state


def test_autocast_rejects_full_precision_dtypes():
    with pytest.raises(ValueError, match=r"autocast dtype must be one of \('bfloat16', 'float16'\)"):
        with dl.amp.autocast("float32"):
            pass


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_digits_under_autocast_reach_float32_accuracy(precision):
    reference = train_digits("float32", epochs=3)
    run = train_digits(precision, epochs=3, scaler=precision == "float16")
    assert reference.accuracy > 0.9
    assert abs(run.accuracy - reference.accuracy) <= 0.02


def test_float16_gradients_underflow_without_loss_scaling_and_train_with_it():
    weight = 2.0 ** -20  # exact in float32: the float32 run takes the same steps as without it
    plain = train_digits("float32", epochs=1, steps=30, loss_weight=weight)
    reference = train_digits("float32", epochs=1, steps=30)
    unscaled = train_digits("float16", epochs=1, steps=30, loss_weight=weight)
    scaled = train_digits("float16", epochs=1, steps=30, loss_weight=weight, scaler=True)
    assert plain.zero_grad_fraction == reference.zero_grad_fraction and plain.accuracy == reference.accuracy
    assert min(unscaled.zero_grad_fraction) == 1.0  # every weight gradient flushed to zero: nothing learns
    assert unscaled.accuracy < 0.2
    assert max(scaled.zero_grad_fraction) < 0.6 and scaled.accuracy > 0.6
    assert abs(np.mean(scaled.zero_grad_fraction) - np.mean(plain.zero_grad_fraction)) < 0.05  # only ReLU's zeros


def _torch_and_ours(grads, **kwargs):
    """Run torch's and our GradScaler over one sequence of gradients; return each one's scales and updates."""
    tp = torch.nn.Parameter(torch.zeros(3))
    t_opt = torch.optim.SGD([tp], lr=1.0)
    t_scaler = torch.amp.GradScaler("cpu", **kwargs)
    dp = dl.nn.Parameter(np.zeros(3, np.float32))
    d_opt = dl.optim.SGD([dp], lr=1.0)
    d_scaler = dl.amp.GradScaler(**kwargs)
    trace = {"torch": [], "ours": []}
    for g in grads:
        t_opt.zero_grad()
        t_scaler.scale((tp * torch.tensor(g, dtype=torch.float32)).sum()).backward()  # gradient g * scale
        t_scaler.step(t_opt)
        t_scaler.update()
        trace["torch"].append((t_scaler.get_scale(), tp.detach().numpy().copy()))
        d_opt.zero_grad()
        d_scaler.scale((dp * dl.Tensor(g, requires_grad=False)).sum()).backward()
        d_scaler.step(d_opt)
        d_scaler.update()
        trace["ours"].append((d_scaler.get_scale(), dp.numpy().copy()))
    return trace


def test_grad_scaler_matches_torch_scale_sequence_and_skipped_steps():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=3) for _ in range(12)]
    for i, bad in ((2, np.inf), (3, np.nan), (9, -np.inf)):
        grads[i][1] = bad
    trace = _torch_and_ours(grads, init_scale=2.0 ** 10, growth_factor=2.0, backoff_factor=0.5, growth_interval=3)
    scales = [s for s, _ in trace["ours"]]
    assert scales == [s for s, _ in trace["torch"]]
    assert len(set(scales)) > 2  # it grew and backed off
    for (_, ours), (_, theirs) in zip(trace["ours"], trace["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)  # skipped steps left both parameters unchanged
    stuck = [np.array_equal(a[1], b[1]) for a, b in zip(trace["ours"], trace["ours"][1:])]
    assert stuck[1] and stuck[2] and stuck[8]  # the inf/NaN steps (2, 3, 9) were skipped


def test_grad_scaler_refuses_a_second_unscale():
    p = dl.nn.Parameter(np.zeros(2, np.float32))
    opt = dl.optim.SGD([p], lr=0.1)
    scaler = dl.amp.GradScaler()
    p.grad = dl.Tensor(np.ones(2), requires_grad=False)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    with pytest.raises(ValueError, match="growth_factor > 1"):
        dl.amp.GradScaler(growth_factor=0.5)
