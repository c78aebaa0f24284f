"""SGD, Adam and AdamW against torch.optim over 20 steps from the same weights on the same data,
and the learning-rate schedulers against torch's.
"""
import numpy as np
import pytest
import torch

import dlsys_lab as dl
from dlsys_lab import nn, optim


def _models(device):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    ours = nn.Sequential(nn.Linear(6, 8, device=device, dtype="float64"), nn.Tanh(),
                         nn.Linear(8, 3, device=device, dtype="float64"))
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("make, make_torch", [
    (lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2),
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2)),
    (lambda p: optim.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    (lambda p: optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
     lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1), lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
], ids=["sgd", "sgd_momentum_wd", "adam", "adam_l2", "adamw"])
def test_optimizer_matches_torch_over_20_steps(device_name, make, make_torch):
    ours, theirs = _models(device_name)
    opt, t_opt = make(ours.parameters()), make_torch(theirs.parameters())
    rng = np.random.default_rng(0)
    for _ in range(20):
        x_np, y = rng.standard_normal((16, 6)), rng.integers(0, 3, 16)
        loss = nn.CrossEntropyLoss()(ours(dl.Tensor(x_np, device=device_name, dtype="float64")), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        t_loss = torch.nn.functional.cross_entropy(theirs(torch.tensor(x_np)), torch.from_numpy(y))
        t_opt.zero_grad()
        t_loss.backward()
        t_opt.step()
        assert loss.item() == pytest.approx(t_loss.item(), rel=1e-9)
    moved = False
    for name, p in ours.named_parameters():
        t_p = dict(theirs.named_parameters())[name]
        np.testing.assert_allclose(p.numpy(), t_p.detach().numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
        moved |= not np.allclose(p.numpy(), _models(device_name)[1].state_dict()[name].numpy())
    assert moved


def test_minimize_is_zero_grad_backward_step(device_name):
    ours, theirs = _models(device_name)
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x_np, y = np.random.default_rng(0).standard_normal((16, 6)), np.arange(16) % 3
    for _ in range(5):  # the same batch each time: gradients left from the step before would add up
        loss = nn.CrossEntropyLoss()(ours(dl.Tensor(x_np, device=device_name, dtype="float64")), y)
        assert opt.minimize(loss) is loss
        t_opt.zero_grad()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x_np)), torch.from_numpy(y)).backward()
        t_opt.step()
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.numpy(), dict(theirs.named_parameters())[name].detach().numpy(), rtol=1e-8,
                                   atol=1e-10, err_msg=name)


def test_step_skips_parameters_without_gradients():
    used, unused = nn.Parameter([1.0]), nn.Parameter([2.0])
    opt = optim.Adam([used, unused], lr=0.1)
    (used * 3).sum().backward()
    opt.step()
    assert unused.numpy()[0] == 2.0 and used.numpy()[0] != 1.0


@pytest.mark.parametrize("make, make_torch", [
    (lambda o: optim.StepLR(o, step_size=3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    (lambda o: optim.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
])
def test_schedulers_match_torch(make, make_torch):
    opt = optim.SGD([nn.Parameter([1.0])], lr=0.3)
    t_opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.3)
    schedule, t_schedule = make(opt), make_torch(t_opt)
    for _ in range(7):
        t_opt.step()
        schedule.step()
        t_schedule.step()
        assert opt.lr == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-12)


def test_optimizer_without_parameters_says_what_to_pass():
    with pytest.raises(ValueError, match="got no parameters; pass model.parameters()"):
        optim.SGD([], lr=0.1)
