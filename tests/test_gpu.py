"""The `cuda` backend against NumPy on a GPU; on CPU machines every test skips with the device's reason.

The cuda backend shares the cpu backend's Python layer, so these tests cover its kernels and bindings.
"""
import numpy as np
import pytest

import dlsys_lab.nd as nd

CUDA = nd.device("cuda")
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not CUDA.available(), reason=f"cuda: {CUDA.status()}")]


def test_cuda_reports_why_it_is_unavailable_or_that_it_is_usable():
    assert CUDA.status().startswith("usable")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_elementwise_and_reductions_on_views(dtype):
    b = CUDA.backend
    x = np.random.default_rng(0).standard_normal((6, 7, 5)).astype(dtype)
    a = b.from_numpy(x).permute((2, 0, 1))[:, ::2]
    xv = x.transpose(2, 0, 1)[:, ::2]
    tol = dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(b.to_numpy(b.add(a, b.from_numpy(xv[:1]))), xv + xv[:1], **tol)
    np.testing.assert_allclose(b.to_numpy(b.sigmoid(a)), 0.5 * (1 + np.tanh(0.5 * xv)), **tol)
    np.testing.assert_allclose(b.to_numpy(b.rdiv(b.exp(a), 2.0)), 2.0 / np.exp(xv), **tol)
    for axes in [(0,), (1, 2), (0, 1, 2)]:
        np.testing.assert_allclose(b.to_numpy(b.sum(a, axes, False)), xv.sum(axes), **tol)
        np.testing.assert_allclose(b.to_numpy(b.max(a, axes, True)), xv.max(axes, keepdims=True), **tol)
    big = np.random.default_rng(1).standard_normal(1 << 20).astype(dtype)
    np.testing.assert_allclose(b.to_numpy(b.sum(b.from_numpy(big), (0,), False)), big.sum(), rtol=1e-4)


def poison_the_allocator():
    """Fills memory the caching allocator will hand out next with NaN, so an unwritten output shows."""
    import torch

    torch.full((1 << 24,), float("nan"), device="cuda")  # freed at once, kept in torch's cache


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul_steps_on_transposed_batches_and_misaligned_views(dtype):
    b = CUDA.backend
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 70, 132)).astype(dtype), rng.standard_normal((132, 260)).astype(dtype)
    cases = {  # the vectorized step takes its 16-byte path only for the compact case
        "compact": (b.from_numpy(x), b.from_numpy(y), x @ y),
        "transposed": (b.from_numpy(x), b.permute(b.from_numpy(np.ascontiguousarray(y.T)), (1, 0)), x @ y),
        "misaligned": (b.from_numpy(x)[:, :, 1:129], b.from_numpy(y)[1:129, 1:257], x[:, :, 1:129] @ y[1:129, 1:257]),
        "ragged": (b.from_numpy(x)[:, :, 1:], b.from_numpy(y)[1:, 1:], x[:, :, 1:] @ y[1:, 1:]),
    }
    for step in b.ext.MATMUL_STEPS:
        for name, (xs, ys, expected) in cases.items():
            poison_the_allocator()
            got = b.to_numpy(b.matmul(xs, ys, step=step))
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3, err_msg=f"{step}, {name}")


def test_vectorized_matmul_over_many_tiles_against_torch():
    import torch

    b, n = CUDA.backend, 1000  # 8 x 8 tiles of 128, the last ones partly outside
    x, y = (torch.randn(n, n + 4, dtype=torch.float64) for _ in range(2))
    got = b.to_numpy(b.matmul(b.from_numpy(x.float().numpy()), b.from_numpy(y.float().numpy().T.copy())))
    exact = (x.float().double() @ y.float().double().T).numpy()
    assert np.linalg.norm(got - exact) / np.linalg.norm(exact) < 1e-5


def test_setitem_pad_and_mixed_devices():
    b = CUDA.backend
    x = np.arange(12.0).reshape(3, 4)
    a = b.from_numpy(x)
    a[1:, ::2] = 7.0
    x[1:, ::2] = 7.0
    np.testing.assert_array_equal(b.to_numpy(b.pad(a, ((1, 0), (0, 2)))), np.pad(x, ((1, 0), (0, 2))))
    with pytest.raises(TypeError, match="expected an NDArray on device 'cuda'"):
        b.add(a, nd.device("cpu").backend.from_numpy(x))


def test_the_kernels_reject_views_outside_their_storage_instead_of_crashing():
    from dlsys_lab.nd.ndarray import NDArray

    b = CUDA.backend
    storage = b.from_numpy(np.ones(4, "float32")).storage
    for bad in (lambda: b.exp(NDArray(storage, (10,), (1,), 0, b)),
                lambda: b.matmul(NDArray(storage, (3, 3), (3, 1), 0, b), NDArray(storage, (3, 3), (3, 1), 0, b))):
        with pytest.raises(RuntimeError, match="outside its storage of 4 elements"):
            bad()
