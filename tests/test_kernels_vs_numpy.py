"""Every protocol function of the compiled backends (`cpu`, and `cuda` where a GPU is usable) against NumPy.

Hypothesis draws shapes, permutations and slicing steps, so kernels see non-contiguous and broadcast views.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlsys_lab.nd as nd
from dlsys_lab.nd.numpy_backend import NumpyBackend

COMPILED = [pytest.param(name, id=name, marks=() if nd.device(name).available() else
                         pytest.mark.skip(reason=f"{name}: {nd.device(name).status()}")) for name in ("cpu", "cuda")]
REF = NumpyBackend()
TOL = {"float32": dict(rtol=2e-5, atol=2e-5), "float64": dict(rtol=1e-11, atol=1e-11)}
FEW = settings(max_examples=25, deadline=None)


_under_test = {}


@pytest.fixture(autouse=True, scope="module", params=COMPILED)
def compiled_device(request):
    """Runs every test of this module once per compiled backend (module scope, which hypothesis allows)."""
    _under_test["backend"] = nd.device(request.param).backend
    yield request.param
    _under_test.clear()


def backend():
    """The compiled backend of the current parametrization."""
    return _under_test["backend"]


@st.composite
def views(draw, dtype=None, shape=None, positive=False, max_dims=4):
    """(NumPy view, the same view on cpu): a random array, permuted and sliced with steps."""
    dtype = dtype or draw(st.sampled_from(["float32", "float64"]))
    shape = shape or tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_dims)))
    perm = draw(st.permutations(range(len(shape))))
    steps = tuple(draw(st.lists(st.integers(1, 2), min_size=len(shape), max_size=len(shape))))
    base_shape = tuple(size * step for size, step in zip(shape, steps))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    base = rng.standard_normal([base_shape[p] for p in np.argsort(perm)]).astype(dtype)
    if positive:
        base = np.abs(base) + 0.1
    index = tuple(slice(None, None, s) for s in steps)
    view = base.transpose(perm)[index]
    ours = backend().from_numpy(base).permute(perm)[index]
    assert ours.shape == view.shape
    return view, ours


@st.composite
def broadcast_pairs(draw):
    """Two views whose shapes broadcast: some axes of the second are 1, some leading axes dropped."""
    dtype = draw(st.sampled_from(["float32", "float64"]))
    a_np, a = draw(views(dtype=dtype))
    ones = draw(st.lists(st.booleans(), min_size=a.ndim, max_size=a.ndim))
    b_shape = tuple(1 if one else s for s, one in zip(a.shape, ones))[draw(st.integers(0, a.ndim - 1)):]
    b_np, b = draw(views(dtype=dtype, shape=b_shape))
    if draw(st.booleans()):
        a_np, a, b_np, b = b_np, b, a_np, a
    return a_np, a, b_np, b


def check(ours, expected):
    got = backend().to_numpy(ours)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, **TOL[expected.dtype.name])


@FEW
@given(pair=broadcast_pairs(), op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "eq", "ge"]))
def test_binary_with_broadcasting(pair, op):
    a_np, a, b_np, b = pair
    if op == "div":
        b_np, b = REF.add(np.abs(b_np), 0.5), backend().add(backend().maximum(b, backend().neg(b)), 0.5)
    check(getattr(backend(), op)(a, b), getattr(REF, op)(a_np, b_np))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows, cols", [(70, 45), (256, 64), (33, 2)])
def test_transposed_operands_past_the_tiles(dtype, rows, cols):
    """Transposed views larger than the kernels' 32 x 32 tiles, as inputs and as a setitem destination."""
    rng = np.random.default_rng(2)
    w_np, g_np = rng.standard_normal((rows, cols)).astype(dtype), rng.standard_normal((cols, rows)).astype(dtype)
    w, g = backend().from_numpy(w_np), backend().permute(backend().from_numpy(g_np), (1, 0))
    check(backend().sub(w, g), w_np - g_np.T)
    check(backend().mul(g, w), g_np.T * w_np)
    check(backend().exp(g), np.exp(g_np.T))
    out_np = np.zeros((cols, rows), dtype)
    out = backend().from_numpy(out_np)
    backend().setitem(backend().permute(out, (1, 0)), (slice(1, None), slice(None)), backend().getitem(w, (slice(1, None),)))
    out_np.T[1:] = w_np[1:]
    check(out, out_np)


@FEW
@given(v=views(), scalar=st.floats(-3, 3, allow_nan=False).filter(lambda x: abs(x) > 0.1),
       op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "eq", "ge", "rsub", "rdiv"]))
def test_scalar_ops(v, scalar, op):
    a_np, a = v
    if op == "eq":
        scalar = float(a_np.flat[0])  # so that some elements are equal
    if op == "rdiv":
        a_np, a = np.abs(a_np) + 0.5, backend().add(backend().maximum(a, backend().neg(a)), 0.5)
    check(getattr(backend(), op)(a, scalar), getattr(REF, op)(a_np, scalar))


@FEW
@given(v=views(positive=True), op=st.sampled_from(["neg", "exp", "log", "tanh", "sqrt", "sigmoid"]))
def test_unary(v, op):
    a_np, a = v
    check(getattr(backend(), op)(a), getattr(REF, op)(a_np))


@FEW
@given(v=views(positive=True), exponent=st.sampled_from([2.0, 3.0, 0.5, -1.0, -1.5]))
def test_power(v, exponent):
    check(backend().power(v[1], exponent), REF.power(v[0], exponent))


@FEW
@given(v=views(), data=st.data(), keepdims=st.booleans(), op=st.sampled_from(["sum", "max"]))
def test_reductions_over_any_axes(v, data, keepdims, op):
    a_np, a = v
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, a.ndim - 1)))))
    check(getattr(backend(), op)(a, axes, keepdims), getattr(REF, op)(a_np, axes, keepdims))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, axes", [((4099,), (0,)), ((300, 257), (0,)), ((300, 257), (1,)),
                                         ((70, 80, 9), (0, 2)), ((70000,), (0,))])
def test_long_reductions_split_across_threads(dtype, shape, axes):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    for op in ("sum", "max"):
        check(getattr(backend(), op)(backend().from_numpy(x), axes, False), getattr(REF, op)(x, axes, False))


def test_long_elementwise_split_across_threads():
    """Compact operands past the parallel grain (2**18 elements), with an array and with a scalar."""
    x_np, y_np = np.random.default_rng(5).standard_normal((2, 300_001)).astype("float32")
    x, y = backend().from_numpy(x_np), backend().from_numpy(y_np)
    check(backend().mul(x, y), x_np * y_np)
    check(backend().rsub(x, 2.0), 2.0 - x_np)


@FEW
@given(data=st.data(), dtype=st.sampled_from(["float32", "float64"]))
def test_matmul_every_step_on_views_and_batches(data, dtype):
    step = data.draw(st.sampled_from([*backend().ext.MATMUL_STEPS, None]))
    m, k, n = (data.draw(st.integers(1, 40)) for _ in range(3))
    batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    a_np, a = data.draw(views(dtype=dtype, shape=batch + (m, k)))
    b_np, b = data.draw(views(dtype=dtype, shape=(k, n)))
    got = backend().to_numpy(backend().matmul(a, b, step=step))
    np.testing.assert_allclose(got, a_np @ b_np, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("m, k, n", [(157, 300, 131), (260, 132, 200),  # odd sizes; multiples of 4 (16-byte rows)
                                     (20, 300, 40)])  # few rows: B's rows read in place, over two k blocks
def test_matmul_steps_past_the_block_sizes(dtype, m, k, n):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    for step in backend().ext.MATMUL_STEPS:
        got = backend().to_numpy(backend().matmul(backend().from_numpy(a), backend().from_numpy(b), step=step))
        np.testing.assert_allclose(got, a @ b, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-3, err_msg=step)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("a_transposed, b_transposed", [(False, True), (True, False), (True, True)])
def test_matmul_transposed_operands_every_step(dtype, a_transposed, b_transposed):
    """Transposed views (as autodiff's backward passes them): 13 rows leave a 1-row edge tile, k = 37 and
    n = 35 leave edges after the register blocks."""
    rng = np.random.default_rng(3)
    m, k, n = 13, 37, 35
    a_np = rng.standard_normal((k, m) if a_transposed else (m, k)).astype(dtype)
    b_np = rng.standard_normal((n, k) if b_transposed else (k, n)).astype(dtype)
    a, b = backend().from_numpy(a_np), backend().from_numpy(b_np)
    if a_transposed:
        a_np, a = a_np.T, backend().permute(a, (1, 0))
    if b_transposed:
        b_np, b = b_np.T, backend().permute(b, (1, 0))
    for step in backend().ext.MATMUL_STEPS:
        got = backend().to_numpy(backend().matmul(a, b, step=step))
        np.testing.assert_allclose(got, a_np @ b_np, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-4, err_msg=step)


@FEW
@given(v=views(), data=st.data())
def test_reshape_permute_broadcast_getitem(v, data):
    a_np, a = v
    perm = tuple(data.draw(st.permutations(range(a.ndim))))
    check(backend().permute(a, perm), REF.permute(a_np, perm))
    check(backend().reshape(a, (-1,)), REF.reshape(a_np, (-1,)))
    target = (2,) + a.shape
    check(backend().broadcast_to(a, target), REF.broadcast_to(a_np, target))
    index = tuple(data.draw(st.one_of(st.integers(-s, s - 1), st.slices(s))) for s in a.shape)
    if all(isinstance(i, int) or i.step is None or i.step > 0 for i in index):
        check(backend().getitem(a, index), REF.getitem(a_np, index))


@FEW
@given(v=views(), data=st.data())
def test_setitem_with_scalars_and_arrays(v, data):
    a_np, a = v
    a_np = a_np.copy()
    index = tuple(data.draw(st.slices(s)) for s in a.shape)
    if any(i.step is not None and i.step < 0 for i in index):
        return
    REF.setitem(a_np, index, 7.5)
    backend().setitem(a, index, 7.5)
    check(a, a_np)
    src = np.arange(a_np[index].shape[-1], dtype=a_np.dtype)  # broadcast along the other axes
    REF.setitem(a_np, index, src)
    backend().setitem(a, index, backend().from_numpy(src))
    check(a, a_np)


@FEW
@given(pair=broadcast_pairs(), scalar=st.floats(-3, 3, allow_nan=False).filter(lambda x: abs(x) > 0.1),
       op=st.sampled_from(["add", "sub", "mul", "div", "maximum"]))
def test_inplace_into_views_from_arrays_and_scalars(pair, scalar, op):
    a_np, a, b_np, b = pair
    if np.broadcast_shapes(a_np.shape, b_np.shape) != a_np.shape:
        a_np, a, b_np, b = b_np, b, a_np, a
    if np.broadcast_shapes(a_np.shape, b_np.shape) != a_np.shape:
        return  # neither operand has the full shape
    if op == "div":
        b_np, b = REF.add(np.abs(b_np), 0.5), backend().add(backend().maximum(b, backend().neg(b)), 0.5)
    expected = getattr(REF, op)(getattr(REF, op)(a_np, b_np), scalar)
    backend().inplace(op, a, b)
    backend().inplace(op, a, scalar)
    check(a, expected.astype(a_np.dtype))


def test_inplace_reads_an_overlapping_view_before_writing():
    x_np = np.arange(12.0).reshape(3, 4)
    x = backend().from_numpy(x_np)
    backend().inplace("add", backend().getitem(x, (slice(1, None),)), backend().getitem(x, (slice(None, 2),)))
    x_np[1:] += x_np[:2].copy()
    check(x, x_np)
    with pytest.raises(ValueError, match="broadcast view"):
        backend().inplace("add", backend().broadcast_to(backend().from_numpy(np.ones(3)), (2, 3)), 1.0)
    with pytest.raises(ValueError, match="not 'power'"):
        backend().inplace("power", x, 2.0)


@FEW
@given(v=views(), data=st.data())
def test_flip_pad_stack_as_strided(v, data):
    a_np, a = v
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, a.ndim - 1), min_size=1))))
    check(backend().flip(a, axes), REF.flip(a_np, axes))
    widths = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in a.shape)
    check(backend().pad(a, widths), REF.pad(a_np, widths))
    axis = data.draw(st.integers(0, a.ndim))
    check(backend().stack([a, backend().neg(a)], axis), REF.stack([a_np, -a_np], axis))
    window = (max(a.shape[-1] - 1, 1), min(2, a.shape[-1]))  # sliding windows, as im2col uses
    check(backend().as_strided(a, window, (1, 1)), REF.as_strided(a_np, window, (1, 1)))


def test_outputs_never_share_memory_with_live_arrays():
    """Freed storages are reused (the cpu backend caches them by size), but only once their arrays are gone."""
    x_np = np.random.default_rng(4).standard_normal((64, 32)).astype("float32")
    x = backend().from_numpy(x_np)
    factors = [0.0, 1.0, 2.0, 3.0]
    live = [backend().mul(x, f) for f in factors]
    for f in (4.0, 5.0, 6.0):
        del live[0], factors[0]
        live.append(backend().mul(x, f))
        factors.append(f)
        assert len({a.storage.data_ptr() for a in live}) == len(live)
    for a, f in zip(live, factors):
        check(a, x_np * np.float32(f))


@FEW
@given(v=views())
def test_conversion_and_creation(v):
    a_np, a = v
    other = "float64" if a.dtype == "float32" else "float32"
    check(backend().astype(a, other), REF.astype(a_np, other))
    assert backend().shape(a) == a_np.shape and backend().dtype(a) == a_np.dtype.name
    check(backend().full(a.shape, 2.5, a.dtype), REF.full(a_np.shape, 2.5, a_np.dtype.name))
    check(backend().from_numpy(a_np), a_np)


def test_mixed_dtypes_promote_like_numpy():
    x32, x64 = np.ones((2, 3), "float32"), np.full((3,), 2.0)
    check(backend().add(backend().from_numpy(x32), backend().from_numpy(x64)), x32 + x64)
    check(backend().matmul(backend().from_numpy(x32), backend().from_numpy(x64.reshape(3, 1))),
          x32 @ x64.reshape(3, 1))
