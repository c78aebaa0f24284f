"""The week-1 decision-boundary widget: its training step matches torch, its sliders redraw."""
import numpy as np
import pytest
import torch

from dlsys_lab.viz.decision_boundary import DecisionBoundaryExplorer, init_mlp, train_mlp, two_moons


def test_one_gradient_step_matches_torch():
    x, y = two_moons(n=50)
    stepped, losses = train_mlp(x, y, width=5, lr=0.3, steps=1, seed=3)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in init_mlp(5, seed=3).items()}
    logits = torch.tanh(torch.tensor(x) @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    assert losses[0] == pytest.approx(loss.item(), rel=1e-12)
    for name, p in params.items():
        np.testing.assert_allclose(stepped[name], (p - 0.3 * p.grad).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_training_lowers_the_loss():
    x, y = two_moons()
    _, losses = train_mlp(x, y, width=16, lr=0.5, steps=200)
    assert losses[-1] < 0.5 * losses[0]


def test_sliders_redraw_loss_curve_and_boundary():
    explorer = DecisionBoundaryExplorer(steps=40)
    loss_before = explorer.ax_loss.lines[0].get_ydata().copy()
    image_before = np.array(explorer.ax_boundary.images[0].get_array())
    explorer.lr.value = 0.01
    loss_after = explorer.ax_loss.lines[0].get_ydata()
    assert not np.allclose(loss_before, loss_after)
    explorer.width.value = 32
    assert not np.allclose(image_before, np.array(explorer.ax_boundary.images[0].get_array()))
    assert "width=32" in explorer.ax_loss.get_title()
