"""The strided NDArray: views share storage and have NumPy's strides; compact, setitem, round trips, errors.

Each view is compared with the same view taken in NumPy, by data pointer offset and by strides.
"""
import re

import numpy as np
import pytest

import dlsys_lab.nd as nd
from dlsys_lab.nd.ndarray import NDArray

CPU = nd.device("cpu")
pytestmark = pytest.mark.skipif(not CPU.available(), reason=f"cpu: {CPU.status()}")


def pair(shape=(4, 5, 6), dtype="float32"):
    """A NumPy array and the same array on cpu."""
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    return x, CPU.backend.from_numpy(x)


def byte_strides(a: NDArray):
    return tuple(s * a.storage.element_size() for s in a.strides)


VIEWS = {
    "reshape": lambda a: a.reshape((20, 6)),
    "reshape -1": lambda a: a.reshape((-1, 3)),
    "permute": lambda a: a.transpose((2, 0, 1)) if isinstance(a, np.ndarray) else a.permute((2, 0, 1)),
    "broadcast_to": lambda a: np.broadcast_to(a, (3, 4, 5, 6)) if isinstance(a, np.ndarray) else a.broadcast_to((3, 4, 5, 6)),
    "slice with steps": lambda a: a[1:4:2, ::3, 5:0:-2] if isinstance(a, np.ndarray) else a[1:4:2, ::3, 5:0:-2],
    "int index": lambda a: a[2, :, 3],
    "ellipsis and None": lambda a: a[..., None, 1],
    "flip": lambda a: np.flip(a, (0, 2)) if isinstance(a, np.ndarray) else a.flip((0, 2)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_have_numpys_strides(name, dtype):
    x, a = pair(dtype=dtype)
    view_np, view = VIEWS[name](x), VIEWS[name](a)
    assert view.storage is a.storage
    assert view.data_ptr() - a.data_ptr() == view_np.__array_interface__["data"][0] - x.__array_interface__["data"][0]
    assert view.shape == view_np.shape
    assert byte_strides(view) == view_np.strides
    np.testing.assert_array_equal(view.numpy(), view_np)


def test_compact_copies_only_when_needed():
    x, a = pair()
    assert a.is_compact() and a.compact() is a
    t = a.permute((1, 0, 2))
    c = t.compact()
    assert not t.is_compact() and c.is_compact() and c.storage is not a.storage
    assert byte_strides(c) == np.ascontiguousarray(x.transpose(1, 0, 2)).strides
    np.testing.assert_array_equal(c.numpy(), x.transpose(1, 0, 2))


def test_reshape_of_a_non_compact_view_copies():
    x, a = pair()
    r = a.permute((2, 1, 0)).reshape((6, 20))
    assert r.storage is not a.storage
    np.testing.assert_array_equal(r.numpy(), x.transpose(2, 1, 0).reshape(6, 20))


def test_setitem_writes_through_views_into_the_storage():
    x, a = pair()
    a[1:3, ::2, -1] = 9.0
    x[1:3, ::2, -1] = 9.0
    a.permute((2, 1, 0))[0] = CPU.backend.from_numpy(np.arange(4, dtype="float32"))  # broadcast over rows
    x.transpose(2, 1, 0)[0] = np.arange(4, dtype="float32")
    np.testing.assert_array_equal(a.numpy(), x)


def test_setitem_from_an_overlapping_view_of_itself():
    x, a = pair((10,))
    a[1:] = a[:-1]
    x[1:] = x[:-1].copy()
    np.testing.assert_array_equal(a.numpy(), x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_round_trip_keeps_values_and_dtype(dtype):
    x, a = pair((3, 0, 2), dtype) if dtype == "float64" else pair((7, 3), dtype)
    back = a.numpy()
    assert back.dtype == x.dtype and back.shape == x.shape
    np.testing.assert_array_equal(back, x)
    x[...] = 0  # from_numpy copied
    assert not np.array_equal(a.numpy(), x) or x.size == 0


@pytest.mark.parametrize("bad, error, words", [
    (lambda b, a: b.add(a, b.from_numpy(np.ones((4, 5, 7), "float32"))), ValueError, "cannot be broadcast"),
    (lambda b, a: b.matmul(a, a), ValueError, "do not align"),
    (lambda b, a: a.reshape((7, 7)), ValueError, "cannot reshape"),
    (lambda b, a: a.broadcast_to((5, 6)), ValueError, "cannot broadcast"),
    (lambda b, a: a.permute((0, 0, 1)), ValueError, "not a permutation"),
    (lambda b, a: a[4], IndexError, "out of bounds"),
    (lambda b, a: a[0, 0, 0, 0], IndexError, "too many indices"),
    (lambda b, a: b.add(a, np.ones(3)), TypeError, "convert it with from_numpy"),
    (lambda b, a: b.add(np.ones(3), a), TypeError, "expected an NDArray on device 'cpu'"),
    (lambda b, a: b.from_numpy(np.ones(3, dtype=np.int64)), TypeError, "astype('float32')"),
    (lambda b, a: b.full((2,), 0, "int8"), TypeError, "dtype 'int8' is not supported; use one of"),
    (lambda b, a: b.matmul(a[0], a[0].permute((1, 0)), step="fastest"), ValueError, "steps on 'cpu' are"),
    (lambda b, a: b.as_strided(a, (200,), (1,)), ValueError, "reaches outside"),
    (lambda b, a: b.max(a[:, :0], (1,), False), ValueError, "empty"),
])
def test_bad_input_raises_a_python_error_naming_the_problem(bad, error, words):
    _, a = pair()
    with pytest.raises(error, match=re.escape(words)):
        bad(CPU.backend, a)


def test_the_kernels_reject_views_outside_their_storage_instead_of_crashing():
    _, a = pair((4,))
    forged = NDArray(a.storage, (10,), (1,), 0, CPU.backend)
    with pytest.raises(RuntimeError, match="outside its storage"):
        CPU.backend.exp(forged)
    with pytest.raises(RuntimeError, match="outside its storage"):
        forged = NDArray(a.storage, (3, 3), (3, 1), 0, CPU.backend)
        CPU.backend.matmul(forged, forged)


def test_arrays_from_another_backend_name_the_device():
    class OtherBackend(type(CPU.backend)):
        name = "other"

    other = OtherBackend()
    b = NDArray(CPU.backend.from_numpy(np.ones(3, "float32")).storage, (3,), (1,), 0, other)
    with pytest.raises(TypeError, match="got on device 'other'"):
        CPU.backend.add(CPU.backend.from_numpy(np.ones(3, "float32")), b)
