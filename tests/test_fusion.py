"""dl.fusion: Linear+bias+ReLU as one op (same values and gradients as unfused) and BatchNorm folding
(eval-mode outputs unchanged), on every device."""
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn
from dlsys_lab.fusion import LinearReLU, LinearReLUOp


def _mlp(device):
    nn.init.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 16, device=device), nn.ReLU(), nn.Linear(16, 16, device=device), nn.ReLU(),
                         nn.Linear(16, 3, device=device))


def test_linear_relu_op_passes_gradcheck():
    rng = np.random.default_rng(0)
    x, w, b = (dl.Tensor(rng.standard_normal(s), dtype="float64") for s in [(5, 4), (3, 4), (3,)])
    dl.gradcheck(lambda x, w, b: LinearReLUOp()(x, w, b), x, w, b)


def test_fused_mlp_matches_unfused_values_and_gradients(device_name):
    model = _mlp(device_name)
    fused = dl.fusion.fuse(model)
    assert [type(m) for m in fused.layers] == [LinearReLU, LinearReLU, nn.Linear]
    x = dl.Tensor(np.random.default_rng(1).standard_normal((8, 12)), device=device_name)
    outputs = []
    for m in (model, fused):
        m.zero_grad()
        out = m(x)
        (out * out).sum().backward()
        outputs.append((out.numpy(), [p.grad.numpy() for p in m.parameters()]))
    (out, grads), (fused_out, fused_grads) = outputs
    np.testing.assert_allclose(fused_out, out, rtol=1e-5, atol=1e-6)
    for g, fg in zip(grads, fused_grads):
        np.testing.assert_allclose(fg, g, rtol=1e-5, atol=1e-6)


def _conv_bn(device):
    nn.init.manual_seed(2)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, device=device), nn.BatchNorm2d(6, device=device), nn.ReLU(),
                          nn.Flatten(), nn.Linear(6 * 5 * 5, 8, device=device), nn.BatchNorm1d(8, device=device))
    rng = np.random.default_rng(3)
    for norm in (model[1], model[5]):  # statistics and affine parameters that are not the identity
        n = norm.num_features
        norm.load_state_dict({"weight": rng.uniform(0.5, 2, n), "bias": rng.standard_normal(n),
                              "running_mean": rng.standard_normal(n), "running_var": rng.uniform(0.5, 2, n),
                              "num_batches_tracked": np.array(10.0)})
    return model


def test_batchnorm_folds_into_conv_and_linear_in_eval_mode(device_name):
    model = _conv_bn(device_name).eval()
    folded = dl.fusion.fuse(model)
    assert [type(m) for m in folded.layers] == [nn.Conv2d, nn.ReLU, nn.Flatten, nn.Linear]
    x = dl.Tensor(np.random.default_rng(4).standard_normal((4, 3, 5, 5)), device=device_name)
    np.testing.assert_allclose(folded(x).numpy(), model(x).numpy(), rtol=1e-4, atol=1e-5)


def test_training_mode_batchnorm_is_not_folded():
    model = _conv_bn("numpy").train()
    assert nn.BatchNorm2d in [type(m) for m in dl.fusion.fuse(model).layers]
    with pytest.raises(ValueError, match="has none"):
        LinearReLU(nn.Linear(2, 2, bias=False))
