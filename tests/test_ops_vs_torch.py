"""Every dlsys_lab op, forward and backward, against PyTorch on hypothesis-drawn shapes and layouts.

Shapes include 0-d tensors and size-1 axes, binary ops broadcast, and inputs are often non-contiguous
views (permuted or strided); gradients are compared at the contiguous leaves the views come from.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlsys_lab as dl

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-11)}
dtypes = st.sampled_from(["float32", "float64"])
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


class Input:
    """An input of a given shape, laid out contiguous, as a permuted view, or as a strided view."""

    def __init__(self, data, shape, domain="real"):
        kinds = ["contiguous", "permuted", "strided"] if shape else ["contiguous"]
        self.kind = data.draw(st.sampled_from(kinds), label="layout")
        self.perm = tuple(data.draw(st.permutations(range(len(shape))))) if self.kind == "permuted" else None
        base_shape = list(shape)
        if self.kind == "permuted":
            for i, axis in enumerate(self.perm):
                base_shape[axis] = shape[i]
        elif self.kind == "strided":
            base_shape[-1] *= 2
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
        self.base = rng.uniform(0.5, 2.0, base_shape) if domain == "positive" else rng.standard_normal(base_shape)

    def _view(self, leaf, permute):
        if self.kind == "permuted":
            return permute(leaf, self.perm)
        if self.kind == "strided":
            return leaf[..., ::2]
        return leaf

    def make_dl(self, device, dtype):
        leaf = dl.Tensor(self.base, device=device, dtype=dtype)
        return leaf, self._view(leaf, lambda t, p: t.transpose(p))

    def make_torch(self, dtype):
        leaf = torch.tensor(self.base, dtype=getattr(torch, dtype), requires_grad=True)
        return leaf, self._view(leaf, lambda t, p: t.permute(p))


def check(device, dtype, fn_dl, fn_torch, inputs, seed=0):
    """Forward values, output dtype and the gradients at every leaf agree with torch."""
    dl_leaves, dl_views = zip(*[x.make_dl(device, dtype) for x in inputs])
    torch_leaves, torch_views = zip(*[x.make_torch(dtype) for x in inputs])
    out, expected = fn_dl(*dl_views), fn_torch(*torch_views)
    assert out.shape == tuple(expected.shape)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **TOLERANCE[dtype])
    out_grad = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(dl.Tensor(out_grad, device=device, dtype=dtype))
    expected.backward(torch.tensor(out_grad, dtype=getattr(torch, dtype)))
    for ours, theirs in zip(dl_leaves, torch_leaves):
        assert ours.grad.dtype == dtype
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **TOLERANCE[dtype])


UNARY = {  # name: (dlsys_lab, torch, input domain)
    "neg": (lambda x: -x, lambda x: -x, "real"),
    "exp": (lambda x: x.exp(), torch.exp, "real"),
    "log": (lambda x: x.log(), torch.log, "positive"),
    "tanh": (lambda x: x.tanh(), torch.tanh, "real"),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, "real"),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, "positive"),
    "relu": (lambda x: x.relu(), torch.relu, "real"),
    "abs": (lambda x: x.abs(), torch.abs, "real"),
    "ops.abs": (lambda x: dl.ops.abs(x), torch.abs, "real"),
    "pow2": (lambda x: x ** 2, lambda x: x ** 2, "real"),
    "pow3": (lambda x: x ** 3, lambda x: x ** 3, "real"),
    "pow_half": (lambda x: x ** 0.5, lambda x: x ** 0.5, "positive"),
    "pow_minus_1.5": (lambda x: x ** -1.5, lambda x: x ** -1.5, "positive"),
    "add_scalar": (lambda x: x + 1.5, lambda x: x + 1.5, "real"),
    "radd_scalar": (lambda x: 1.5 + x, lambda x: 1.5 + x, "real"),
    "sub_scalar": (lambda x: x - 2, lambda x: x - 2, "real"),
    "rsub_scalar": (lambda x: 2 - x, lambda x: 2 - x, "real"),
    "mul_scalar": (lambda x: x * -3, lambda x: x * -3, "real"),
    "rmul_scalar": (lambda x: 0.5 * x, lambda x: 0.5 * x, "real"),
    "div_scalar": (lambda x: x / 4, lambda x: x / 4, "real"),
    "rdiv_scalar": (lambda x: 2 / x, lambda x: 2 / x, "positive"),
    "softmax": (lambda x: dl.ops.softmax(x, -1), lambda x: torch.softmax(x, -1), "real"),
    "log_softmax": (lambda x: dl.ops.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0), "real"),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data(), shape=shapes, dtype=dtypes)
def test_unary(device_name, name, data, shape, dtype):
    fn_dl, fn_torch, domain = UNARY[name]
    if name in ("softmax", "log_softmax") and not shape:
        shape = (3,)
    check(device_name, dtype, fn_dl, fn_torch, [Input(data, shape, domain)])


def test_abs_has_torchs_derivative_at_zero(device_name):
    values = [-2.0, -0.0, 0.0, 0.5]
    x = dl.Tensor(values, device=device_name, dtype="float64")
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, expected = x.abs(), t.abs()
    np.testing.assert_array_equal(y.numpy(), expected.detach().numpy())
    y.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # sign(x): 0 at +-0


BINARY = {
    "add": (lambda a, b: a + b, "real"),
    "sub": (lambda a, b: a - b, "real"),
    "mul": (lambda a, b: a * b, "real"),
    "div": (lambda a, b: a / b, "positive"),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data(), dtype=dtypes,
       pair=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4))
def test_binary_broadcasting(device_name, name, data, dtype, pair):
    fn, domain = BINARY[name]
    a_shape, b_shape = pair.input_shapes
    check(device_name, dtype, fn, fn, [Input(data, a_shape), Input(data, b_shape, domain)])


def _draw_axes(data, ndim):
    if ndim == 0 or data.draw(st.booleans(), label="all axes"):
        return None
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True), label="axes")
    return tuple(a - ndim if data.draw(st.booleans(), label="negative") else a for a in axes)


REDUCTIONS = {
    "sum": (lambda x, axes, keep: x.sum(axes, keep), lambda x, dims, keep: torch.sum(x, dims, keep)),
    "mean": (lambda x, axes, keep: x.mean(axes, keep), lambda x, dims, keep: torch.mean(x, dims, keep)),
    "max": (lambda x, axes, keep: x.max(axes, keep), lambda x, dims, keep: torch.amax(x, dims, keep)),
    "logsumexp": (lambda x, axes, keep: dl.ops.logsumexp(x, axes, keep),
                  lambda x, dims, keep: torch.logsumexp(x, dims, keep)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@SETTINGS
@given(data=st.data(), shape=shapes, dtype=dtypes, keepdims=st.booleans())
def test_reductions(device_name, name, data, shape, dtype, keepdims):
    fn_dl, fn_torch = REDUCTIONS[name]
    axes = _draw_axes(data, len(shape))
    dims = tuple(range(len(shape))) if axes is None else axes
    if not shape:  # torch reduces a 0-d tensor over dim 0
        dims = 0
    check(device_name, dtype, lambda x: fn_dl(x, axes, keepdims), lambda x: fn_torch(x, dims, keepdims),
          [Input(data, shape)])


@SETTINGS
@given(data=st.data(), shape=shapes, dtype=dtypes)
def test_reshape(device_name, data, shape, dtype):
    target = data.draw(st.sampled_from([tuple(reversed(shape)), (-1,), (1,) + shape, shape + (1, 1)]))
    check(device_name, dtype, lambda x: x.reshape(target), lambda x: x.reshape(target), [Input(data, shape)])


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), dtype=dtypes)
def test_transpose(device_name, data, shape, dtype):
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    check(device_name, dtype, lambda x: x.transpose(perm), lambda x: x.permute(perm), [Input(data, shape)])
    if len(shape) >= 2:
        check(device_name, dtype, lambda x: x.transpose(), lambda x: x.transpose(-1, -2), [Input(data, shape)])


@SETTINGS
@given(data=st.data(), shape=shapes, dtype=dtypes)
def test_broadcast_to(device_name, data, shape, dtype):
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), label="leading"))
    target = lead + tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    check(device_name, dtype, lambda x: x.broadcast_to(target), lambda x: x.expand(target), [Input(data, shape)])


@st.composite
def basic_index(draw, shape):
    """A tuple of ints and positive-step slices, one per leading axis."""
    index = []
    for n in shape[:draw(st.integers(0, len(shape)))]:
        if draw(st.booleans()):
            index.append(draw(st.integers(-n, n - 1)))
        else:
            start, stop = draw(st.integers(-n, n)), draw(st.none() | st.integers(-n, n))
            index.append(slice(start, stop, draw(st.integers(1, 3))))
    return tuple(index)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), dtype=dtypes)
def test_getitem(device_name, data, shape, dtype):
    index = data.draw(basic_index(shape), label="index")
    check(device_name, dtype, lambda x: x[index], lambda x: x[index], [Input(data, shape)])


@SETTINGS
@given(data=st.data(), shape=shapes, dtype=dtypes, count=st.integers(1, 3))
def test_stack(device_name, data, shape, dtype, count):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    check(device_name, dtype, lambda *xs: dl.ops.stack(xs, axis), lambda *xs: torch.stack(xs, axis),
          [Input(data, shape) for _ in range(count)])


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), dtype=dtypes)
def test_split(device_name, data, shape, dtype):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")

    def weighted(parts, stack):  # distinct weights so a mixed-up piece shows in the gradient
        return stack([p * (i + 1.0) for i, p in enumerate(parts)])

    check(device_name, dtype, lambda x: weighted(dl.ops.split(x, axis), lambda ps: dl.ops.stack(ps, 0)),
          lambda x: weighted(torch.unbind(x, axis), lambda ps: torch.stack(ps, 0)), [Input(data, shape)])


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), dtype=dtypes)
def test_pad(device_name, data, shape, dtype):
    widths = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in shape)
    torch_widths = [w for pair in reversed(widths) for w in pair]
    check(device_name, dtype, lambda x: dl.ops.pad(x, widths), lambda x: F.pad(x, torch_widths),
          [Input(data, shape)])


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), dtype=dtypes)
def test_flip(device_name, data, shape, dtype):
    axes = tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True)))
    check(device_name, dtype, lambda x: dl.ops.flip(x, axes), lambda x: torch.flip(x, axes), [Input(data, shape)])


@SETTINGS
@given(data=st.data(), dtype=dtypes, sizes=st.tuples(*[st.integers(1, 5)] * 3),
       batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       vectors=st.sampled_from(["none", "left", "right", "both"]))
def test_matmul(device_name, data, dtype, sizes, batch, vectors):
    n, k, m = sizes
    a_shape = (k,) if vectors in ("left", "both") else batch.input_shapes[0] + (n, k)
    b_shape = (k,) if vectors in ("right", "both") else batch.input_shapes[1] + (k, m)
    check(device_name, dtype, lambda a, b: a @ b, torch.matmul, [Input(data, a_shape), Input(data, b_shape)])


@SETTINGS
@given(data=st.data(), dtype=dtypes, n=st.integers(1, 5), c=st.integers(1, 6), int_labels=st.booleans())
def test_cross_entropy(device_name, data, dtype, n, c, int_labels):
    labels = np.random.default_rng(data.draw(st.integers(0, 1000))).integers(0, c, n)
    ours = labels if int_labels else dl.Tensor(labels, device=device_name, requires_grad=False)
    check(device_name, dtype, lambda x: dl.ops.cross_entropy(x, ours),
          lambda x: F.cross_entropy(x, torch.from_numpy(labels)), [Input(data, (n, c))])


@SETTINGS
@given(data=st.data(), dtype=dtypes, n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3),
       hw=st.tuples(st.integers(3, 7), st.integers(3, 7)), k=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.integers(0, 2))
def test_conv2d(device_name, data, dtype, n, c, o, hw, k, stride, padding):
    check(device_name, dtype, lambda x, w: dl.ops.conv2d(x, w, stride, padding),
          lambda x, w: F.conv2d(x, w, stride=stride, padding=padding),
          [Input(data, (n, c) + hw), Input(data, (o, c, k, k))])


@SETTINGS
@given(data=st.data(), dtype=dtypes, hw=st.tuples(st.integers(3, 7), st.integers(3, 7)), k=st.integers(1, 3),
       stride=st.none() | st.integers(1, 2))
def test_max_pool2d(device_name, data, dtype, hw, k, stride):
    check(device_name, dtype, lambda x: dl.ops.max_pool2d(x, k, stride),
          lambda x: F.max_pool2d(x, k, stride=stride), [Input(data, (2, 3) + hw)])


@pytest.mark.parametrize("source, target", [("float32", "float64"), ("float64", "float32")])
def test_astype_converts_values_and_gradient_back(device_name, source, target):
    x = dl.Tensor([1.5, -2.25], device=device_name, dtype=source)
    y = x.astype(target)
    (y * y).sum().backward()
    assert y.dtype == target and x.grad.dtype == source
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.5])


def test_float64_stays_float64_through_a_model(device_name):
    model = dl.nn.Sequential(dl.nn.Linear(3, 4, device=device_name, dtype="float64"), dl.nn.Tanh(),
                             dl.nn.LayerNorm(4, device=device_name, dtype="float64"))
    x = dl.Tensor(np.ones((2, 3)), device=device_name, dtype="float64", requires_grad=False)
    loss = dl.ops.logsumexp(model(x) * 2.5 + 1, (0, 1))
    loss.backward()
    assert loss.dtype == "float64"
    assert all(p.grad.dtype == "float64" for p in model.parameters())


def test_numpy_operands_on_the_left_defer_to_tensor(device_name):
    x = dl.Tensor([1.0, 2.0], device=device_name)
    y = np.array([3.0, 5.0]) - x * np.float64(2.0)
    assert isinstance(y, dl.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-2.0, -2.0])


def test_to_moves_values_and_sends_gradients_back(device_name):
    x = dl.Tensor([1.0, -2.0, 3.0], device="numpy", dtype="float64")
    y = x.to(device_name)
    assert y.device == dl.device(device_name)
    (y * y).sum().backward()
    assert x.grad.device == dl.device("numpy")
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])
