"""Week 5's kernels: matmul steps compiled from notebook C++ (dlsys_lab.kernels.inline) are exact on any strides,
report compile errors where they are, stop at a time limit, and run inside the cpu backend once registered."""
import numpy as np
import pytest

import dlsys_lab.nd as nd
from dlsys_lab import student
from dlsys_lab.kernels.inline import CompileError, compile_matmul_steps, registered_step, step_source

pytestmark = pytest.mark.slow
STEPS = ("matmul_naive", "matmul_ipj")
# A second step written here (loop order i, p, j, no blocking): not the tiled step lab05_kernels grades.
IPJ = """template <typename T>
void matmul_ipj(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k) {
  std::fill(c, c + m * n, T(0));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += a.at(i, p) * b.at(p, j);
}
"""


@pytest.fixture(scope="module")
def steps():
    """Our naive step, compiled from matmul.cpp's text, and the step above, as a notebook compiles its own."""
    return compile_matmul_steps({"matmul_naive": step_source("matmul_naive"), "matmul_ipj": IPJ}, timeout=300)


def test_the_graded_step_source_is_not_shown():
    with pytest.raises(ValueError, match="written by students in a graded lab"):
        step_source("matmul_tiled")


def _layouts(matrix):
    """The same matrix as NumPy views with odd strides: transposed copy, every other column, reversed columns."""
    yield matrix
    yield np.asfortranarray(matrix)
    wide = np.zeros((matrix.shape[0], 2 * matrix.shape[1]), matrix.dtype)
    wide[:, ::2] = matrix
    yield wide[:, ::2]
    yield np.ascontiguousarray(matrix[:, ::-1])[:, ::-1]


@pytest.mark.parametrize("name", STEPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (7, 5, 3), (65, 63, 67), (130, 2, 129)])
def test_steps_are_exact_on_integer_inputs_and_any_strides(steps, name, dtype, m, n, k):
    rng = np.random.default_rng(m * n * k)
    a, b = rng.integers(-8, 9, (m, k)).astype(dtype), rng.integers(-8, 9, (k, n)).astype(dtype)
    expected = (a.astype(np.float64) @ b.astype(np.float64)).astype(dtype)
    for a_view, b_view in zip(_layouts(a), _layouts(b)):
        assert np.array_equal(steps[name](a_view, b_view), expected)


def test_strided_takes_views_of_flat_buffers(steps):
    rng = np.random.default_rng(0)
    buffer_a, buffer_b = rng.integers(-8, 9, 200).astype(np.float32), rng.integers(-8, 9, 100).astype(np.float32)
    a = np.lib.stride_tricks.as_strided(buffer_a[3:], (5, 7), (4 * 20, 4 * 2))
    b = buffer_b[9:9 + 28].reshape(4, 7).T  # column-major: row stride 1, column stride 7
    got = steps["matmul_ipj"].strided(buffer_a, (3, 5, 7, 20, 2), buffer_b, (9, 7, 4, 1, 7))
    assert np.array_equal(got, a @ b)
    with pytest.raises(ValueError, match="reaches outside"):
        steps["matmul_ipj"].strided(buffer_a, (190, 5, 7, 20, 2), buffer_b, (9, 7, 4, 1, 7))


def test_empty_products_and_bad_arguments(steps):
    tiled = steps["matmul_ipj"]
    assert tiled(np.ones((0, 3), np.float32), np.ones((3, 4), np.float32)).shape == (0, 4)
    assert np.array_equal(tiled(np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="M x K by a K x N"):
        tiled(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="float32 or two float64"):
        tiled(np.ones((2, 3), np.float32), np.ones((3, 2)))


def test_a_compile_error_names_the_step_and_its_line():
    broken = "template <typename T>\nvoid matmul_tiled(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m,\n" \
             "                  int64_t n, int64_t k) {\n  c[0] = a.at(0, 0) * b.at(0, 0)\n}\n"
    with pytest.raises(CompileError, match=r"matmul_tiled, line 4, column \d+: error: expected ';'") as err:
        compile_matmul_steps({"matmul_naive": step_source("matmul_naive"), "matmul_tiled": broken}, timeout=300)
    assert "error" in err.value.log


def test_a_compile_that_runs_too_long_is_stopped():
    with pytest.raises(CompileError, match="longer than 0.01 s"):
        compile_matmul_steps({"matmul_naive": step_source("matmul_naive")}, timeout=0.01)


def test_a_registered_tiled_step_runs_inside_the_cpu_backend(steps):
    cpu = nd.device("cpu")
    if not cpu.available():
        pytest.skip(cpu.backend.status())
    calls = []

    def matmul_tiled(a, b):
        calls.append((a.shape, b.shape, a.strides, b.strides))
        return steps["matmul_ipj"](a, b)

    rng = np.random.default_rng(3)
    a, b = rng.integers(-8, 9, (2, 9, 6)).astype(np.float32), rng.integers(-8, 9, (6, 11)).astype(np.float32)
    da, db = cpu.backend.from_numpy(a), cpu.backend.from_numpy(b).flip((1,))  # a batch, and negative strides
    assert registered_step("tiled") is None
    student.implements("lab05_kernels", name="matmul_tiled")(matmul_tiled)  # (a local function's qualname differs)
    try:
        got = cpu.backend.matmul(da, db, step="tiled").numpy()
        assert calls and len(calls) == 2 and calls[0][3][1] < 0  # one call per batch element, B read reversed
        assert np.array_equal(got, a @ b[:, ::-1])
        cpu.backend.matmul(da, db, step="simd")  # other steps stay ours
        assert len(calls) == 2
    finally:
        student.forget("lab05_kernels")
    assert registered_step("tiled") is None
