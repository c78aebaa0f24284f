"""gradcheck on every op in float64, and gradcheck itself: it must catch deliberately wrong rules.

gradcheck compares <v, J u> from central differences with <J^T v, u> from backward.
"""
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab.autodiff.ops_elementwise import Exp, Mul

CASES = {  # name: (function, input shapes, input domain)
    "add": (lambda a, b: a + b, [(3, 1), (4,)], "real"),
    "sub": (lambda a, b: a - b, [(2, 3), (2, 3)], "real"),
    "mul": (lambda a, b: a * b, [(2, 3), (1, 3)], "real"),
    "div": (lambda a, b: a / b, [(2, 3), (3,)], "positive"),
    "scalar_ops": (lambda a: (2 - a) * 3 / 4 + 1 - 2 / (a + 3), [(5,)], "positive"),
    "power": (lambda a: a ** 2.5, [(4,)], "positive"),
    "neg": (lambda a: -a, [(3,)], "real"),
    "exp": (lambda a: a.exp(), [(2, 2)], "real"),
    "log": (lambda a: a.log(), [(2, 2)], "positive"),
    "tanh": (lambda a: a.tanh(), [(2, 2)], "real"),
    "sigmoid": (lambda a: a.sigmoid(), [(2, 2)], "real"),
    "sqrt": (lambda a: a.sqrt(), [(2, 2)], "positive"),
    "relu": (lambda a: a.relu(), [(3, 3)], "real"),
    "sum": (lambda a: a.sum((0, 2), keepdims=True), [(2, 3, 2)], "real"),
    "mean": (lambda a: a.mean(1), [(2, 3)], "real"),
    "max": (lambda a: a.max(0), [(4, 3)], "real"),
    "logsumexp": (lambda a: dl.ops.logsumexp(a, 1), [(2, 5)], "real"),
    "softmax": (lambda a: dl.ops.softmax(a, 0), [(3, 2)], "real"),
    "cross_entropy": (lambda a: dl.ops.cross_entropy(a, [2, 0, 1]), [(3, 4)], "real"),
    "matmul": (lambda a, b: a @ b, [(2, 3, 4), (4, 2)], "real"),
    "matmul_vector": (lambda a, b: a @ b, [(4,), (3, 4, 2)], "real"),
    "reshape": (lambda a: a.reshape((3, 2)) * 2, [(2, 3)], "real"),
    "transpose": (lambda a: a.transpose((2, 0, 1)), [(2, 3, 4)], "real"),
    "broadcast_to": (lambda a: a.broadcast_to((2, 3, 4)), [(3, 1)], "real"),
    "getitem": (lambda a: a[1:, ::2, 0], [(3, 4, 2)], "real"),
    "stack_split": (lambda a, b: dl.ops.stack([a, b * 2], 1).exp() + dl.ops.split(a, 0)[1], [(2, 3), (2, 3)], "real"),
    "pad": (lambda a: dl.ops.pad(a, ((1, 0), (2, 1))), [(2, 3)], "real"),
    "flip": (lambda a: dl.ops.flip(a, (0, 1)) * a, [(2, 3)], "real"),
    "conv2d": (lambda x, w: dl.ops.conv2d(x, w, stride=2, padding=1), [(2, 2, 5, 5), (3, 2, 3, 3)], "real"),
    "max_pool2d": (lambda x: dl.ops.max_pool2d(x, 2, 1), [(1, 2, 4, 4)], "real"),
}


def _inputs(shapes, domain, device, seed=0):
    rng = np.random.default_rng(seed)
    draw = (lambda s: rng.uniform(0.5, 2.0, s)) if domain == "positive" else rng.standard_normal
    return [dl.Tensor(draw(s), device=device, dtype="float64") for s in shapes]


@pytest.mark.parametrize("name", CASES)
def test_every_op_passes_gradcheck(device_name, name):
    fn, shapes, domain = CASES[name]
    assert dl.gradcheck(fn, *_inputs(shapes, domain, device_name), rtol=1e-5, atol=1e-7)


def test_astype_passes_gradcheck_with_a_step_float32_can_resolve(device_name):
    (x,) = _inputs([(3,)], "real", device_name)
    assert dl.gradcheck(lambda a: a.astype("float32").astype("float64") ** 2, x, eps=1e-3, rtol=1e-3, atol=1e-5)


class ExpWithWrongRule(Exp):
    """exp whose backward is off by 1%."""

    def backward(self, out_grad, node):
        return (out_grad * node * 1.01,)


class MulWithSwappedRule(Mul):
    """a * b whose backward gives b the gradient meant for a."""

    def backward(self, out_grad, node):
        a, b = node.inputs
        return out_grad * b, out_grad * b


def test_gradcheck_catches_a_slightly_wrong_rule():
    x = dl.Tensor([0.3, -1.2, 0.8], dtype="float64")
    assert dl.gradcheck(lambda t: t.exp(), x)
    with pytest.raises(dl.GradcheckError, match=r"input 0 \(shape \(3,\)\)"):
        dl.gradcheck(lambda t: ExpWithWrongRule()(t), x)


def test_gradcheck_names_the_input_whose_gradient_is_wrong():
    a = dl.Tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64")
    b = dl.Tensor([[0.5, -1.0], [2.0, 0.25]], dtype="float64")
    with pytest.raises(dl.GradcheckError, match="input 1"):
        dl.gradcheck(lambda s, t: MulWithSwappedRule()(s, t), a, b)


def test_gradcheck_runs_in_float64_even_for_float32_inputs():
    seen = []

    def f(t):
        seen.append(t.dtype)
        return t * t

    dl.gradcheck(f, dl.Tensor([1.0, 2.0]))
    assert set(seen) == {"float64"}
