"""The narrow backend protocol: one list of op names (kernels/common/ops.h) shared by Python and the kernels, every
op computed alike by each backend through `ewise`/`reduce`, the named methods derived once, and clear errors."""
import re

import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab.nd import backend as protocol
from dlsys_lab.nd import numpy_backend
from dlsys_lab.nd.op_names import BINARY, EWISE_OPS, OPS_HEADER, REDUCTIONS, UNARY

NUMPY = dl.device("numpy").backend


def test_the_op_names_come_from_the_one_list_in_ops_h():
    header = OPS_HEADER.read_text()
    lines = re.findall(r'^\s+X\((\w+),\s*"(\w+)",\s*([12]),', header, flags=re.M)  # one op per line
    assert list(EWISE_OPS.items()) == [(name, int(arity)) for _, name, arity in lines]
    assert [enum.lower() for enum, _, _ in lines if enum != "POW"] == [n for n in EWISE_OPS if n != "power"]
    assert REDUCTIONS == ("sum", "max")
    assert set(UNARY) | set(BINARY) == set(EWISE_OPS) and not set(UNARY) & set(BINARY)
    assert set(numpy_backend.OPS) == set(EWISE_OPS)


def test_the_built_kernels_export_the_same_names(device_name):
    backend = dl.device(device_name).backend
    if device_name == "numpy":
        pytest.skip("the numpy backend has no extension")
    assert list(backend.ext.OPS) == list(EWISE_OPS) and list(backend.ext.REDUCTIONS) == list(REDUCTIONS)


def test_a_backend_implements_only_the_protocol_and_derives_the_rest():
    required = {name for name in vars(protocol.Backend) if not name.startswith("_")} - {"name"}
    derived = {name for name in vars(protocol.BackendBase) if not name.startswith("_")}
    assert set(EWISE_OPS) | {"rsub", "rdiv", "power_ewise", "sum", "max", "stack", "pad", "flip"} == derived
    assert not required & derived and {"ewise", "reduce", "matmul"} <= required
    for backend in (dl.device(d).backend for d in ("numpy", "cpu", "cuda") if dl.device(d).available()):
        assert required <= set(dir(backend))
        assert all(getattr(type(backend), name) is getattr(protocol.BackendBase, name) for name in derived)


def operands(op, rng, dtype):
    x, y = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((1, 4)).astype(dtype)  # y: broadcast
    x[0, :2] = y[0, :2]  # equal elements, so the comparisons see all three cases
    if op in ("log", "sqrt", "power"):
        x, y = np.abs(x) + 0.5, np.abs(y) + 0.5
    return x, y


@pytest.mark.parametrize("op", list(EWISE_OPS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_op_agrees_with_numpy_on_every_backend(device_name, op, dtype):
    backend = dl.device(device_name).backend
    x, y = operands(op, np.random.default_rng(0), dtype)
    tol = dict(rtol=1e-6 if dtype == "float32" else 1e-12)
    if EWISE_OPS[op] == 1:
        cases = [((x,), NUMPY.ewise(op, x))]
    else:
        cases = [((x, y), NUMPY.ewise(op, x, y)), ((x, 1.5), NUMPY.ewise(op, x, 1.5)),
                 ((1.5, x), NUMPY.ewise(op, 1.5, x))]  # a scalar on either side
    for args, expected in cases:
        got = backend.ewise(op, *[backend.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args])
        got = backend.to_numpy(got)
        assert got.dtype == np.dtype(dtype)
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, expected, **tol)
        if op == "ne" or op in ("eq", "gt", "ge", "lt", "le"):
            assert set(np.unique(got)) <= {0.0, 1.0}


def test_numpy_comparisons_match_numpys_own_operators():
    x, y = np.array([1.0, 2.0, np.nan, 3.0], "float32"), np.array([1.0, 3.0, np.nan, 2.0], "float32")
    for op, expected in (("eq", x == y), ("ne", x != y), ("gt", x > y), ("ge", x >= y), ("lt", x < y), ("le", x <= y)):
        np.testing.assert_array_equal(NUMPY.ewise(op, x, y), expected.astype("float32"))


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reductions_by_name_with_negative_axes(device_name, op):
    backend = dl.device(device_name).backend
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype("float32")
    got = backend.to_numpy(backend.reduce(op, backend.from_numpy(x), (-1, 0), True))
    np.testing.assert_allclose(got, getattr(np, op)(x, axis=(0, 2), keepdims=True), rtol=1e-6)


def test_max_of_a_row_with_nan_is_nan_as_in_numpy(device_name):
    backend = dl.device(device_name).backend
    x = np.arange(2 * 3 * 40, dtype="float32").reshape(2, 3, 40)
    x[0, 1, 17], x[1, 2, 0] = np.nan, np.nan  # inside a vectorized row, and at a row's start
    for axes in ((2,), (1,), (0, 1, 2)):
        got = backend.to_numpy(backend.reduce("max", backend.from_numpy(x), axes, False))
        np.testing.assert_array_equal(got, np.max(x, axis=axes))


def test_stack_pad_and_flip_are_derived_alike_on_every_backend(device_name):
    backend = dl.device(device_name).backend
    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    a = backend.from_numpy(x)
    np.testing.assert_array_equal(backend.to_numpy(backend.stack([a, a], -1)), np.stack([x, x], -1))
    np.testing.assert_array_equal(backend.to_numpy(backend.pad(a, ((1, 0), (0, 2)))), np.pad(x, ((1, 0), (0, 2))))
    np.testing.assert_array_equal(backend.to_numpy(backend.flip(a, (-1, 0))), np.flip(x, (0, 1)))
    with pytest.raises(ValueError, match="out of range"):
        backend.flip(a, (2,))


@pytest.mark.parametrize("call, words", [
    (lambda b, a: b.ewise("cube", a), "unknown elementwise op 'cube'; ops are: add"),
    (lambda b, a: b.ewise("exp", a, a), "exp takes one operand, got two"),
    (lambda b, a: b.ewise("add", a), "add takes two operands, got one"),
    (lambda b, a: b.reduce("mean", a, None, False), "unknown reduction 'mean'; reductions are: sum, max"),
    (lambda b, a: b.sum(a, (0, 0)), "repeated axis"),
    (lambda b, a: b.sum(a, (5,)), "axis 5 is out of range"),
])
def test_bad_op_names_and_axes_say_what_exists(device_name, call, words):
    backend = dl.device(device_name).backend
    a = backend.from_numpy(np.ones((2, 3), "float32"))
    if device_name == "numpy" and "axis" in words:
        pytest.skip("NumPy's own reductions report bad axes in their own words")
    with pytest.raises(ValueError, match=re.escape(words)):
        call(backend, a)


def test_a_derived_call_is_tracked_once_under_its_own_name(device_name):
    x = dl.Tensor(np.arange(6.0), device=device_name, requires_grad=False)
    nd = x.backend
    with dl.memory.track() as m:
        kept = [nd.gt(x.data, 2.0), nd.ewise("abs", x.data), nd.pad(x.data, ((1, 1),)), nd.sum(x.data, (0,))]
    assert [label for _, _, label in m.timeline] == ["start", "gt", "abs", "pad", "sum"]
    assert m.current_bytes == 4 * (6 + 6 + 8 + 1) and len(kept) == 4
