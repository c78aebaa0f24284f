"""Tensor-parallel MLP against the dense one (outputs, gradients, all-reduce count); ensemble against K single runs."""
import pytest
import torch
from torch import nn

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.ensemble import ensemble_accuracies, ensemble_worker, train_classifier
from dlsys_lab.parallel.tensor_parallel import TensorParallelMLP


def dense_pair():
    torch.manual_seed(5)
    return nn.Linear(6, 8).double(), nn.Linear(8, 4).double()


def dense_mlp(x):
    up, down = dense_pair()
    x = x.clone().requires_grad_()
    y = down(nn.functional.gelu(up(x)))
    (y * y.detach().cos()).sum().backward()  # a non-trivial output gradient
    return y.detach(), x.grad, up, down


def tensor_parallel_mlp(rank, world_size, x):
    """Forward and backward once, counting all-reduces after each."""
    mlp = TensorParallelMLP(*dense_pair())
    x = x.clone().requires_grad_()
    y = mlp(x)
    forward_calls = mlp.all_reduce.calls
    (y * y.detach().cos()).sum().backward()
    grads = {name: p.grad for name, p in mlp.named_parameters()}
    return y.detach(), x.grad, grads, forward_calls, mlp.all_reduce.calls - forward_calls


def make_classifier():
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))


def both(rank, world_size, x, data):
    """One launch for both checks: start-up dominates the cost."""
    return tensor_parallel_mlp(rank, world_size, x), ensemble_worker(rank, world_size, make_classifier, *data, 30)


@pytest.mark.slow
def test_tensor_parallel_mlp_and_ensemble_match_their_single_process_oracles():
    world = 2
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(5, 6, generator=gen, dtype=torch.float64)
    inputs, test_inputs = torch.randn(30, 4, generator=gen), torch.randn(10, 4, generator=gen)
    labels = torch.randint(0, 3, (30,), generator=gen)
    results = launch(both, world, x, (inputs, labels, test_inputs))

    y, x_grad, up, down = dense_mlp(x)
    for rank, ((y_tp, x_grad_tp, grads, forward_calls, backward_calls), _) in enumerate(results):
        torch.testing.assert_close(y_tp, y, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(x_grad_tp, x_grad, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(grads["up.weight"], up.weight.grad.chunk(world, 0)[rank], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(grads["up.bias"], up.bias.grad.chunk(world, 0)[rank], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(grads["down.weight"], down.weight.grad.chunk(world, 1)[rank], rtol=1e-12,
                                   atol=1e-12)
        torch.testing.assert_close(grads["down.bias"], down.bias.grad, rtol=1e-12, atol=1e-12)
        assert (forward_calls, backward_calls) == (1, 1)

    members = [train_classifier(seed, make_classifier, inputs, labels, 30)(test_inputs).softmax(1).detach()
               for seed in range(world)]
    expected_mean = torch.stack(members).mean(0)
    for rank, (_, (own, mean)) in enumerate(results):
        torch.testing.assert_close(own, members[rank])
        torch.testing.assert_close(mean, expected_mean)
    assert not torch.allclose(members[0], members[1], atol=1e-3)  # the members really differ


def test_ensemble_accuracies_on_hand_made_probabilities():
    labels = torch.tensor([0, 1, 1])
    a = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])  # right, wrong, right
    b = torch.tensor([[0.4, 0.6], [0.1, 0.9], [0.45, 0.55]])  # wrong, right, right
    members, ensemble = ensemble_accuracies([a, b], labels)
    assert members == [pytest.approx(2 / 3), pytest.approx(2 / 3)] and ensemble == 1.0
    with pytest.raises(ValueError, match="no members"):
        ensemble_accuracies([], labels)
