"""Each nn module against its torch twin with copied weights: outputs and parameter gradients,
plus state_dict round trips and errors, train/eval, and the initializers' statistics.
"""
import numpy as np
import pytest
import torch

import dlsys_lab as dl
from dlsys_lab import nn

TOL = dict(rtol=1e-9, atol=1e-10)


def _copy_weights(ours, theirs):
    """Load the torch module's parameters and buffers into ours (keys match by construction)."""
    ours.load_state_dict(theirs.state_dict())  # num_batches_tracked included, as torch has it


def _compare(ours, theirs, x_np, device, labels=None):
    """Same output and same parameter and input gradients, in float64."""
    theirs = theirs.double()
    _copy_weights(ours, theirs)
    x = dl.Tensor(x_np, device=device, dtype="float64")
    tx = torch.tensor(x_np, requires_grad=True)
    out, t_out = ours(x), theirs(tx)
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), **TOL)
    weights = np.random.default_rng(7).standard_normal(out.shape)
    (out * dl.Tensor(weights, device=device, dtype="float64", requires_grad=False)).sum().backward()
    (t_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **TOL)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), **TOL, err_msg=name)
    return ours, theirs


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)




@pytest.mark.parametrize("make, make_torch, shape", [
    (lambda d: nn.Linear(5, 3, device=d, dtype="float64"), lambda: torch.nn.Linear(5, 3), (4, 5)),
    (lambda d: nn.Linear(5, 3, bias=False, device=d, dtype="float64"), lambda: torch.nn.Linear(5, 3, bias=False),
     (2, 7, 5)),
    (lambda d: nn.ReLU(), lambda: torch.nn.ReLU(), (3, 4)),
    (lambda d: nn.Tanh(), lambda: torch.nn.Tanh(), (3, 4)),
    (lambda d: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), (3, 4)),
    (lambda d: nn.Flatten(), lambda: torch.nn.Flatten(), (2, 3, 4)),
    (lambda d: nn.LayerNorm(6, device=d, dtype="float64"), lambda: torch.nn.LayerNorm(6), (3, 6)),
    (lambda d: nn.LayerNorm((2, 3), device=d, dtype="float64"), lambda: torch.nn.LayerNorm((2, 3)), (4, 2, 3)),
    (lambda d: nn.Conv2d(2, 3, 3, stride=2, padding=1, device=d, dtype="float64"),
     lambda: torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 6)),
    (lambda d: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2), (2, 3, 6, 4)),
    (lambda d: nn.Sequential(nn.Linear(4, 8, device=d, dtype="float64"), nn.ReLU(),
                             nn.Linear(8, 2, device=d, dtype="float64")),
     lambda: torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)), (5, 4)),
])
def test_module_matches_torch(device_name, make, make_torch, shape):
    torch.manual_seed(0)
    _compare(make(device_name), make_torch(), _x(shape), device_name)


class TorchResidual(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def test_residual_matches_torch(device_name):
    torch.manual_seed(0)
    ours = nn.Residual(nn.Sequential(nn.Linear(4, 4, device=device_name, dtype="float64"), nn.Tanh()))
    _compare(ours, TorchResidual(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())), _x((3, 4)),
             device_name)


def test_batchnorm1d_matches_torch_in_training_and_eval(device_name):
    torch.manual_seed(0)
    ours = nn.BatchNorm1d(4, device=device_name, dtype="float64")
    theirs = torch.nn.BatchNorm1d(4).double()
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    _compare(ours, theirs, _x((6, 4)) * 2 + 1, device_name)  # outputs and gradients with batch statistics
    for step in range(3):  # running statistics follow torch over several batches
        x_np = _x((6, 4), seed=10 + step) * 3 - 1
        ours(dl.Tensor(x_np, device=device_name, dtype="float64"))
        theirs(torch.tensor(x_np))
        np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), **TOL)
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), **TOL)
    ours.eval()
    theirs.eval()
    x_np = _x((5, 4), seed=99)
    np.testing.assert_allclose(ours(dl.Tensor(x_np, device=device_name, dtype="float64")).numpy(),
                               theirs(torch.tensor(x_np)).detach().numpy(), **TOL)


def test_embedding_matches_torch(device_name):
    torch.manual_seed(0)
    ours, theirs = nn.Embedding(7, 3, device=device_name, dtype="float64"), torch.nn.Embedding(7, 3).double()
    _copy_weights(ours, theirs)
    tokens = np.array([[1, 6, 1], [0, 3, 6]])
    out, t_out = ours(tokens), theirs(torch.from_numpy(tokens))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), **TOL)
    weights = _x(out.shape, seed=3)
    (out * weights).sum().backward()
    (t_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **TOL)


def _assert_loss_agrees(loss_fn, t_loss_fn, x_np, target, t_target, device_name):
    """loss_fn(x, target) and torch's t_loss_fn(x, t_target) on the same float64 x: equal losses (to 1e-12) and
    equal gradients with respect to x."""
    x, t_x = dl.Tensor(x_np, device=device_name, dtype="float64"), torch.tensor(x_np, requires_grad=True)
    loss, t_loss = loss_fn(x, target), t_loss_fn(t_x, t_target)
    loss.backward()
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t_x.grad.numpy(), **TOL)


@pytest.mark.parametrize("labels_as", ["float tensor", "numpy ints", "list"])
def test_cross_entropy_loss_matches_torch(device_name, labels_as):
    labels = np.array([0, 3, 1, 1, 2])
    given = {"float tensor": dl.Tensor(labels, device=device_name, requires_grad=False),
             "numpy ints": labels, "list": labels.tolist()}[labels_as]
    _assert_loss_agrees(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), _x((5, 4)), given,
                        torch.from_numpy(labels), device_name)


def test_mse_loss_matches_torch(device_name):
    b_np = _x((3, 4), seed=1)
    _assert_loss_agrees(nn.MSELoss(), torch.nn.MSELoss(), _x((3, 4)), b_np, torch.tensor(b_np), device_name)


def test_dropout_scales_kept_units_and_is_identity_in_eval(device_name):
    layer = nn.Dropout(0.25, rng=np.random.default_rng(0))
    x = dl.Tensor(np.ones((200, 50)), device=device_name)
    y = layer(x).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    layer(x).sum().backward()
    np.testing.assert_allclose(np.unique(x.grad.numpy()), [0.0, 1 / 0.75], rtol=1e-6)
    layer.eval()
    assert layer(x) is x


def test_state_dict_round_trip_and_errors():
    make = lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))  # noqa: E731
    a, b = make(), make()
    keys = ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "2.weight", "2.bias"]
    assert list(a.state_dict()) == keys
    b.load_state_dict(a.state_dict())
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=name)
    state = a.state_dict()
    state["0.weight"] += 1  # a copy: the model is unchanged
    assert not np.array_equal(state["0.weight"], a.state_dict()["0.weight"])
    with pytest.raises(KeyError, match=r"missing keys \['2.bias'\], unexpected keys \['extra'\]"):
        b.load_state_dict({**{k: v for k, v in a.state_dict().items() if k != "2.bias"}, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"'0.weight' has shape \(4, 3\) here but \(3, 4\) in the state"):
        b.load_state_dict({**a.state_dict(), "0.weight": np.zeros((3, 4))})


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Residual(nn.Sequential(nn.Dropout(0.5), nn.ReLU())))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules()) and len(model.modules()) == 6


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(model.parameters()) == 2


@pytest.mark.parametrize("init_fn, expected_std", [
    (lambda s: nn.init.xavier_uniform(s), np.sqrt(2.0 / (300 + 200))),
    (lambda s: nn.init.xavier_normal(s), np.sqrt(2.0 / (300 + 200))),
    (lambda s: nn.init.kaiming_uniform(s, nonlinearity="relu"), np.sqrt(2.0 / 200)),
    (lambda s: nn.init.kaiming_normal(s, nonlinearity="relu"), np.sqrt(2.0 / 200)),
])
def test_initializers_have_the_textbook_standard_deviation(init_fn, expected_std):
    nn.init.manual_seed(0)
    w = init_fn((300, 200))
    assert w.shape == (300, 200)
    assert abs(w.std() / expected_std - 1) < 0.02
    assert abs(w.mean()) < 0.01 * expected_std * 10


def test_linear_default_init_matches_torch_bounds():
    layer = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.weight.numpy()).max() > 0.9 * bound
    assert np.abs(layer.bias.numpy()).max() <= bound


def test_module_to_moves_parameters_and_keeps_outputs(device_name):
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    x_np = _x((5, 3))
    expected = model(dl.Tensor(x_np)).numpy()
    model.to(device_name)
    assert all(t.device == dl.device(device_name) for t in model.parameters())
    assert all(b.device == dl.device(device_name) for _, b in model.named_buffers())
    np.testing.assert_allclose(model(dl.Tensor(x_np, device=device_name)).numpy(), expected, rtol=1e-5, atol=1e-6)
