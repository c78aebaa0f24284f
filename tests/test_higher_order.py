"""Higher-order derivatives: second derivatives and Hessian-vector products against torch.autograd.grad
with create_graph=True, composed transforms (grad of grad), vjp, and mixed partials.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import dlsys_lab as dl

FUNCTIONS = {  # name: (dlsys_lab f, torch f, shape); each maps a tensor to a scalar
    "tanh_exp": (lambda x: (x.tanh() * x.exp()).sum(), lambda x: (x.tanh() * x.exp()).sum(), (3, 2)),
    "log_sqrt_div": (lambda x: (x.log() / x.sqrt() + 1 / x).sum(),
                     lambda x: (x.log() / x.sqrt() + 1 / x).sum(), (4,)),
    "sigmoid_pow": (lambda x: (x.sigmoid() ** 3).mean(), lambda x: (x.sigmoid() ** 3).mean(), (2, 3)),
    "matmul_self": (lambda x: ((x @ x.transpose()).tanh()).sum(),
                    lambda x: ((x @ x.transpose(-1, -2)).tanh()).sum(), (3, 3)),
    "logsumexp_softmax": (lambda x: dl.ops.logsumexp(x, 1).sum() + (dl.ops.softmax(x, 0) ** 2).sum(),
                          lambda x: torch.logsumexp(x, 1).sum() + (torch.softmax(x, 0) ** 2).sum(), (3, 4)),
    "cross_entropy": (lambda x: dl.ops.cross_entropy(x * x, [1, 0, 3]),
                      lambda x: F.cross_entropy(x * x, torch.tensor([1, 0, 3])), (3, 4)),
    "max_relu": (lambda x: (x.max(1) ** 2).sum() + (x.relu() * x).sum(),
                 lambda x: (x.amax(1) ** 2).sum() + (x.relu() * x).sum(), (3, 4)),
    "shape_ops": (lambda x: (dl.ops.stack([x[0], x[1]], 1).exp() * x.T).sum(),
                  lambda x: (torch.stack([x[0], x[1]], 1).exp() * x.T).sum(), (2, 2)),
    "conv2d": (lambda x: (dl.ops.conv2d(x, x[:1], padding=1) ** 2).sum(),
               lambda x: (F.conv2d(x, x[:1], padding=1) ** 2).sum(), (2, 1, 3, 3)),
    "layer_norm": (lambda x: (((x - x.mean(1, True)) / ((x - x.mean(1, True)) ** 2).mean(1, True).sqrt()) ** 3).sum(),
                   lambda x: F.layer_norm(x, (4,), eps=0.0).pow(3).sum(), (2, 4)),
}


def _positive(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


def _torch_hvp(f, x_np, v_np):
    x = torch.tensor(x_np, requires_grad=True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g, x, torch.tensor(v_np))
    return g.detach().numpy(), hv.numpy()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_hessian_vector_product_by_composed_grad(device_name, name):
    f, f_torch, shape = FUNCTIONS[name]
    x_np, v_np = _positive(shape), np.random.default_rng(1).standard_normal(shape)
    x = dl.Tensor(x_np, device=device_name, dtype="float64")
    v = dl.Tensor(v_np, device=device_name, dtype="float64", requires_grad=False)
    hv = dl.grad(lambda t: (dl.grad(f)(t) * v).sum())(x)
    expected_g, expected_hv = _torch_hvp(f_torch, x_np, v_np)
    np.testing.assert_allclose(dl.grad(f)(x).numpy(), expected_g, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hv.numpy(), expected_hv, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ["tanh_exp", "matmul_self", "cross_entropy", "conv2d"])
def test_second_derivative_through_backward_create_graph(device_name, name):
    f, f_torch, shape = FUNCTIONS[name]
    x_np, v_np = _positive(shape), np.random.default_rng(2).standard_normal(shape)
    x = dl.Tensor(x_np, device=device_name, dtype="float64")
    f(x).backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    (first * dl.Tensor(v_np, device=device_name, dtype="float64", requires_grad=False)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _torch_hvp(f_torch, x_np, v_np)[1], rtol=1e-8, atol=1e-10)


def test_first_order_backward_records_no_graph():
    x = dl.Tensor([1.0, 2.0])
    (x * x).sum().backward()
    assert not x.grad.requires_grad and x.grad.op is None


def test_third_derivative_of_a_polynomial():
    x = dl.Tensor([0.5, -1.0, 2.0], dtype="float64")
    f = lambda t: (t ** 4).sum()  # noqa: E731
    d1 = dl.grad(f)
    d2 = dl.grad(lambda t: d1(t).sum())
    d3 = dl.grad(lambda t: d2(t).sum())
    np.testing.assert_allclose(d3(x).numpy(), 24 * x.numpy())


def test_mixed_partial_through_a_closure_matches_torch():
    x_np, y_np = np.array([0.3, 0.7]), np.array([1.5, -0.5])
    x = dl.Tensor(x_np, dtype="float64")

    def inner_grad_sum(y):
        return dl.grad(lambda t: (t.tanh() * y * y).sum())(x).sum()

    ours = dl.grad(inner_grad_sum)(dl.Tensor(y_np, dtype="float64"))
    tx, ty = torch.tensor(x_np, requires_grad=True), torch.tensor(y_np, requires_grad=True)
    (gx,) = torch.autograd.grad((tx.tanh() * ty * ty).sum(), tx, create_graph=True)
    (expected,) = torch.autograd.grad(gx.sum(), ty)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-10)


def test_vjp_matches_torch_and_can_be_pulled_back_twice():
    a_np, b_np = np.random.default_rng(0).standard_normal((3, 4)), np.random.default_rng(1).standard_normal(4)
    f = lambda a, b: (a * b).tanh() @ b  # noqa: E731
    out, vjp_fn = dl.vjp(f, dl.Tensor(a_np, dtype="float64"), dl.Tensor(b_np, dtype="float64"))
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    t_out = (ta * tb).tanh() @ tb
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-12)
    for seed in (3, 4):
        cotangent = np.random.default_rng(seed).standard_normal(3)
        ga, gb = vjp_fn(dl.Tensor(cotangent, dtype="float64"))
        ta_grad, tb_grad = torch.autograd.grad(t_out, (ta, tb), torch.tensor(cotangent), retain_graph=True)
        np.testing.assert_allclose(ga.numpy(), ta_grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(gb.numpy(), tb_grad.numpy(), rtol=1e-10)


def test_value_and_grad_with_tuple_argnums_leaves_grad_attributes_alone():
    a, b = dl.Tensor([1.0, 2.0]), dl.Tensor([3.0, 4.0])
    value, (ga, gb) = dl.value_and_grad(lambda s, t: (s * t * t).sum(), argnums=(0, 1))(a, b)
    assert value.item() == pytest.approx(1 * 9 + 2 * 16)
    np.testing.assert_allclose(ga.numpy(), [9.0, 16.0])
    np.testing.assert_allclose(gb.numpy(), [6.0, 16.0])
    assert a.grad is None and b.grad is None
    assert not ga.requires_grad


def test_grad_of_an_unused_argument_is_zero():
    g = dl.grad(lambda s, t: (s * 2).sum(), argnums=1)(dl.Tensor([1.0]), dl.Tensor([5.0, 6.0]))
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
