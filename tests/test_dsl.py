"""The tensor DSL: generated kernels equal NumPy on drawn shapes under every schedule; schedules refuse what
would change the result."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsys_lab import dsl


def elementwise_schedule():
    """relu(A * B + A) over (M, N), tiled 8 x 16, the inner loop vectorized, the outer tiles in parallel."""
    m, n = dsl.size("M"), dsl.size("N")
    a, b = dsl.placeholder((m, n), "A"), dsl.placeholder((m, n), "B")
    out = dsl.compute((m, n), lambda i, j: dsl.maximum(a[i, j] * b[i, j] + a[i, j], 0.0), "E")
    s = dsl.create_schedule(out)
    xo, _, _, yi = s.tile("i", "j", 8, 16)
    s.vectorize(yi)
    s.parallel(xo)
    return s


def rowsum_schedule():
    """The sum of each row of a 3-D tensor over its last two axes, both split, one unrolled."""
    m, n, p = dsl.size("M"), dsl.size("N"), dsl.size("P")
    a = dsl.placeholder((m, n, p), "A")
    r, q = dsl.reduce_axis(n, "r"), dsl.reduce_axis(p, "q")
    s = dsl.create_schedule(dsl.compute((m,), lambda i: dsl.sum(dsl.exp(a[i, r, q]) - 1.0, axis=(r, q)), "S"))
    ro, ri = s.split("r", 3)
    qo, qi = s.split("q", 5)
    s.reorder(qo, ro, ri, qi)
    s.unroll(qi)
    return s


@pytest.fixture(scope="module")
def kernels():
    schedules = {f"matmul_{step}": dsl.matmul_schedule(step, tile=8) for step in dsl.STEPS}
    schedules.update(elementwise=elementwise_schedule(), rowsum=rowsum_schedule())
    return dsl.build(schedules)


sizes = st.integers(1, 40)


@settings(max_examples=15, deadline=None)
@given(m=sizes, n=sizes, k=sizes, seed=st.integers(0, 2 ** 16))
def test_every_matmul_schedule_equals_numpy(kernels, m, n, k, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)
    for step in dsl.STEPS:
        np.testing.assert_allclose(kernels[f"matmul_{step}"](a, b), a @ b, rtol=1e-4, atol=1e-4, err_msg=step)


@settings(max_examples=15, deadline=None)
@given(m=sizes, n=sizes, p=st.integers(1, 12), seed=st.integers(0, 2 ** 16))
def test_elementwise_and_reduction_schedules_equal_numpy(kernels, m, n, p, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, n)).astype(np.float32), rng.standard_normal((m, n)).astype(np.float32)
    expected = np.maximum(a * b + a, 0)
    np.testing.assert_allclose(kernels["elementwise"](a, b), expected, rtol=1e-6, atol=1e-6)  # the C++ may fuse a*b+a
    x = rng.standard_normal((m, n, p)).astype(np.float32)
    np.testing.assert_allclose(kernels["rowsum"](x), (np.exp(x) - 1).sum((1, 2)), rtol=1e-4, atol=1e-4)


def test_inputs_of_disagreeing_sizes_are_refused(kernels):
    with pytest.raises(ValueError, match="K"):
        kernels["matmul_naive"](np.ones((2, 3), np.float32), np.ones((4, 2), np.float32))


def test_the_generated_code_carries_the_schedule():
    code = dsl.lower(dsl.matmul_schedule("parallel"), "mm")
    assert code.index("#pragma omp parallel for") < code.index("for (int64_t i_o")
    assert code.index("#pragma omp simd") < code.index("for (int64_t j_i") and code.count("for (") == 6
    assert "for (int64_t j = 0" in dsl.lower(dsl.matmul_schedule("naive")) and "#pragma" not in \
        dsl.lower(dsl.matmul_schedule("interchange"))


def test_schedules_refuse_what_would_change_the_result():
    s = dsl.create_schedule(dsl.matmul_compute())
    with pytest.raises(ValueError, match="reduction"):
        s.parallel("k")
    with pytest.raises(ValueError, match="innermost"):
        s.vectorize("i")
    io, ii = s.split("i", 4)
    with pytest.raises(ValueError, match="inside its outer loop"):
        s.reorder(ii, io)
    assert [loop.name for loop in s.loops] == ["i_o", "i_i", "j", "k"], "a refused reorder changes nothing"
    with pytest.raises(ValueError, match="at least 1"):
        s.split("j", 0)
    with pytest.raises(KeyError, match="the loops are"):
        s.split("i", 2)


def test_integer_indices_and_constants():
    m = dsl.size("M")
    a = dsl.placeholder((m, 3), "A")
    s = dsl.create_schedule(dsl.compute((m,), lambda i: a[i, 2] * 2 - a[i, 0] / 4.0, "D"))
    assert "A[(i) * 3 + 2]" in dsl.lower(s)
    kernel = dsl.build({"columns": s})["columns"]
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(kernel(x), x[:, 2] * 2 - x[:, 0] / 4)
