"""dl.prune: magnitude masks equal torch.nn.utils.prune's, stay applied while fine-tuning; channel pruning
removes neurons and channels so counted MACs fall while the kept ones compute what they did."""
import numpy as np
import pytest
import torch
from torch.nn.utils import prune as torch_prune

import dlsys_lab as dl
from dlsys_lab import nn, optim


def _cnn():
    nn.init.manual_seed(1)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 12, 3, padding=1),
                         nn.ReLU(), nn.Flatten(), nn.Linear(12 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 10))


def _torch_twin(model):
    """torch modules with the same weights as the Linear and Conv2d layers of a dlsys_lab Sequential."""
    twins = []
    for layer in model.layers:
        if isinstance(layer, nn.Linear):
            twin = torch.nn.Linear(layer.in_features, layer.out_features)
        elif isinstance(layer, nn.Conv2d):
            twin = torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size)
        else:
            continue
        twin.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
        twins.append(twin)
    return twins


@pytest.mark.parametrize("sparsity", [0.3, 0.5, 0.9])
def test_layer_masks_equal_torch_l1_unstructured(sparsity):
    model = _cnn()
    twins = _torch_twin(model)
    masks = dl.prune.magnitude(model, sparsity)
    for twin, (name, mask) in zip(twins, masks.masks.items()):
        torch_prune.l1_unstructured(twin, "weight", amount=sparsity)
        np.testing.assert_array_equal(mask, twin.weight_mask.numpy(), err_msg=name)
        assert (mask == 0).sum() == round(sparsity * mask.size)  # exact
    for name, weight in dl.prune.prunable_weights(model).items():
        np.testing.assert_array_equal(weight.numpy() == 0, masks.masks[name] == 0)


def test_global_masks_equal_torch_global_unstructured():
    model = _cnn()
    twins = _torch_twin(model)
    masks = dl.prune.magnitude(model, 0.6, scope="global")
    torch_prune.global_unstructured([(t, "weight") for t in twins], torch_prune.L1Unstructured, amount=0.6)
    for twin, mask in zip(twins, masks.masks.values()):
        np.testing.assert_array_equal(mask, twin.weight_mask.numpy())
    assert abs(masks.sparsity() - 0.6) < 1e-4


def test_masks_are_reapplied_after_optimizer_steps():
    model = _cnn()
    masks = dl.prune.magnitude(model, 0.7)
    before = {n: w.numpy().copy() for n, w in dl.prune.prunable_weights(model).items()}
    optimizer = masks.wrap(optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    rng = np.random.default_rng(0)
    x, y = dl.Tensor(rng.uniform(0, 1, (16, 1, 8, 8))), dl.Tensor(rng.integers(0, 10, 16))
    for _ in range(3):
        loss = nn.CrossEntropyLoss()(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for name, weight in dl.prune.prunable_weights(model).items():
        kept = masks.masks[name] == 1
        assert np.all(weight.numpy()[~kept] == 0)
        assert not np.allclose(weight.numpy()[kept], before[name][kept])  # the rest trained


def test_bad_sparsity_and_scope_are_refused():
    with pytest.raises(ValueError, match="fraction in"):
        dl.prune.magnitude(_cnn(), 1.5)
    with pytest.raises(ValueError, match="scopes are: layer, global"):
        dl.prune.magnitude(_cnn(), 0.5, scope="row")


def _zeroed_like_pruned(model, pruned):
    """A copy of model whose neurons and channels that `pruned` removed have zero weights and biases."""
    state = model.state_dict()
    for i, (old, new) in enumerate(zip(model.layers, pruned.layers)):
        if isinstance(old, (nn.Linear, nn.Conv2d)) and len(old.weight.numpy()) != len(new.weight.numpy()):
            old_rows = old.weight.numpy().reshape(len(old.weight.numpy()), -1)
            norms = np.abs(old_rows).sum(axis=1)
            removed = np.argsort(-norms, kind="stable")[len(new.weight.numpy()):]
            state[f"{i}.weight"][removed] = 0
            state[f"{i}.bias"][removed] = 0
    twin = _cnn()
    twin.load_state_dict(state)
    return twin


def test_channel_pruning_cuts_macs_and_keeps_what_the_kept_channels_compute():
    model = _cnn()
    x = dl.Tensor(np.random.default_rng(0).uniform(0, 1, (4, 1, 8, 8)), requires_grad=False)
    pruned = dl.prune.channels(model, 0.5)
    assert [l.weight.shape for l in pruned.layers if isinstance(l, (nn.Linear, nn.Conv2d))] == [
        (4, 1, 3, 3), (6, 4, 3, 3), (16, 96), (10, 16)]
    full, thin = dl.prune.macs(model, x), dl.prune.macs(pruned, x)
    assert full == 4 * (8 * 64 * 9 + 12 * 16 * 8 * 9 + 192 * 32 + 32 * 10)
    assert thin < 0.35 * full
    np.testing.assert_allclose(pruned(x).numpy(), _zeroed_like_pruned(model, pruned)(x).numpy(), rtol=1e-5,
                               atol=1e-6)
    assert model.layers[0].out_channels == 8  # the original is untouched


def test_sensitivity_scan_prunes_one_layer_at_a_time_and_restores_the_model():
    model = _cnn()
    before = model.state_dict()
    x = dl.Tensor(np.random.default_rng(0).uniform(0, 1, (4, 1, 8, 8)), requires_grad=False)
    reference = model(x).numpy()

    def change(m):
        return float(np.abs(m(x).numpy() - reference).max())

    scan = dl.prune.sensitivity(model, change, sparsities=(0.0, 0.5, 0.99))
    assert list(scan) == list(dl.prune.prunable_weights(model))
    for points in scan.values():
        assert [s for s, _ in points] == [0.0, 0.5, 0.99] and points[0][1] == 0.0 and points[2][1] > points[1][1] > 0
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_distillation_loss_and_gradient_equal_torch():
    rng = np.random.default_rng(0)
    s, t, y = rng.standard_normal((6, 10)), rng.standard_normal((6, 10)), rng.integers(0, 10, 6)
    student = dl.Tensor(s, dtype="float64")
    loss = dl.prune.distillation_loss(student, dl.Tensor(t, dtype="float64"), dl.Tensor(y), temperature=3.0, alpha=0.7)
    loss.backward()
    ts = torch.tensor(s, requires_grad=True)
    soft = torch.nn.functional.kl_div(torch.log_softmax(ts / 3, -1), torch.softmax(torch.tensor(t) / 3, -1),
                                      reduction="batchmean") * 9
    expected = 0.7 * soft + 0.3 * torch.nn.functional.cross_entropy(ts, torch.tensor(y))
    expected.backward()
    np.testing.assert_allclose(loss.numpy(), expected.item(), rtol=1e-10)
    np.testing.assert_allclose(student.grad.numpy(), ts.grad.numpy(), rtol=1e-8, atol=1e-12)
