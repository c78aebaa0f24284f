"""dl.quant.symmetric (lab09_optimization's pieces) against torch's per-channel quantization, with half-way
values, values at and past the clamp limit and an all-zero channel."""
import numpy as np
import pytest
import torch

from dlsys_lab.quant import (activation_scale, dequantize_symmetric, quantize_symmetric, quantize_weight,
                             weight_scales)


def _weight_with_exact_scales():
    """A weight whose channel scales are powers of two (so x / scale is exact in every library), holding
    half-way values, the largest magnitude of each channel, and an all-zero channel."""
    rng = np.random.default_rng(0)
    scales = 2.0 ** -rng.integers(2, 8, 6)
    codes = rng.integers(-127, 128, (6, 9)).astype(np.float64)
    codes[:, 0] = 127.0 * np.where(rng.random(6) < 0.5, -1, 1)  # each channel's largest magnitude
    codes[:, 1:5] = [0.5, -0.5, 2.5, -3.5]                      # ties: half to even gives 0, -0, 2, -4
    w = codes * scales[:, None]
    w[3] = 0.0
    return w.astype(np.float32), scales


def test_weight_codes_equal_torch_quantize_per_channel():
    w, scales = _weight_with_exact_scales()
    got_scales = weight_scales(w)
    assert got_scales.dtype == np.float32 and got_scales[3] == 1.0
    np.testing.assert_array_equal(np.delete(got_scales, 3), np.delete(scales, 3).astype(np.float32))
    q = quantize_symmetric(w, got_scales, axis=0)
    want = torch.quantize_per_channel(torch.from_numpy(w), torch.from_numpy(got_scales.astype(np.float64)),
                                      torch.zeros(6, dtype=torch.long), 0, torch.qint8)
    assert q.dtype == np.int8
    np.testing.assert_array_equal(q, want.int_repr().numpy())
    np.testing.assert_array_equal(q[0, 1:5], [0, 0, 2, -4])
    fake = torch.fake_quantize_per_channel_affine(torch.from_numpy(w), torch.from_numpy(got_scales),
                                                  torch.zeros(6, dtype=torch.int32), 0, -127, 127)
    np.testing.assert_array_equal(dequantize_symmetric(q, got_scales, axis=0), fake.numpy())


def test_clamp_at_127_and_never_minus_128():
    q = quantize_symmetric(np.array([127.0, 127.49, 127.5, 500.0, -127.5, -128.0, -900.0]), 1.0)
    np.testing.assert_array_equal(q, [127, 127, 127, 127, -127, -127, -127])


def test_activation_scale_is_a_min_max_observer_over_every_batch():
    batches = [np.array([[0.5, 2.0]]), np.array([[-6.35, 1.0]]), np.array([[3.0]])]
    assert activation_scale(batches) == np.float32(6.35 / 127)
    assert activation_scale([np.array([0.1, 0.2])]) == np.float32(0.2 / 127)  # the range contains 0
    assert activation_scale([np.zeros(3)]) == 1.0
    with pytest.raises(ValueError, match="at least one calibration batch"):
        activation_scale([])


def test_package_per_channel_symmetric_weights_use_them():
    w, _ = _weight_with_exact_scales()
    q, qp = quantize_weight(w, per_channel=True, symmetric=True)
    np.testing.assert_array_equal(q, quantize_symmetric(w, weight_scales(w), axis=0))
    assert qp.axis == 0 and not qp.zero_point.any()
