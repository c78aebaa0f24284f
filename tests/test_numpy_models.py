"""Week 1's NumPy models (graded lab 1's pieces in the package) against torch's autograd in float64."""
import numpy as np
import torch
import torch.nn.functional as F

from dlsys_lab import numpy_models as nm


def test_softmax_and_cross_entropy_match_torch_even_for_huge_logits():
    rng = np.random.default_rng(0)
    logits = np.vstack([rng.normal(size=(4, 5)), [[1000.0, 1001.0, 999.0, -1000.0, 0.0]]])
    labels = np.array([0, 4, 2, 1, 1])
    np.testing.assert_allclose(nm.softmax(logits), torch.softmax(torch.tensor(logits), 1).numpy(), rtol=1e-12)
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    assert abs(nm.cross_entropy(logits, labels) - expected) < 1e-12


def test_gradients_match_autograd_with_nonzero_biases_and_an_input_at_the_relu_kink():
    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(size=(6, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 3)),
              "b2": rng.normal(size=3)}
    params["b1"][2] = 0.0
    X, y = rng.normal(size=(7, 6)), np.array([0, 1, 2, 2, 1, 0, 1])
    X[0] = 0.0  # pre-activation of unit 2 is exactly 0 for sample 0: relu'(0) = 0 as in torch
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    logits = torch.relu(torch.tensor(X) @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    F.cross_entropy(logits, torch.tensor(y)).backward()
    np.testing.assert_allclose(nm.mlp_forward(params, X), logits.detach().numpy(), rtol=1e-12)
    grads = nm.mlp_backward(params, X, y)
    for name in params:
        np.testing.assert_allclose(grads[name], t[name].grad.numpy(), rtol=1e-10, atol=1e-12)
    W, b = rng.normal(size=(6, 3)), rng.normal(size=3)
    W_t, b_t = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    F.cross_entropy(torch.tensor(X) @ W_t + b_t, torch.tensor(y)).backward()
    W1, b1 = nm.sgd_epoch(W, b, X, y, 0.1, len(X))
    np.testing.assert_allclose(W1, W - 0.1 * W_t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b1, b - 0.1 * b_t.grad.numpy(), rtol=1e-12)
