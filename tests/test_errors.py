"""Bad input raises errors that name the shapes (or devices) involved and say what to do.
"""
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab.nd.device import Device
from dlsys_lab.nd.numpy_backend import NumpyBackend


def test_mismatched_elementwise_shapes_name_both(device_name):
    a = dl.Tensor(np.ones((3, 4)), device=device_name)
    b = dl.Tensor(np.ones((5,)), device=device_name)
    with pytest.raises(ValueError, match=r"Add.*\(3, 4\) and \(5,\)"):
        a + b


def test_matmul_names_shapes_and_the_mismatch(device_name):
    a = dl.Tensor(np.ones((3, 4)), device=device_name)
    b = dl.Tensor(np.ones((5, 2)), device=device_name)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not align \(4 != 5\)"):
        a @ b


class OtherNumpyBackend(NumpyBackend):
    """A second backend object, so two devices can be told apart on any machine."""

    name = "other"


def test_mixed_devices_name_both_devices():
    a = dl.Tensor([1.0, 2.0], device="numpy")
    b = dl.Tensor([1.0, 2.0], device=Device("other", OtherNumpyBackend()))
    with pytest.raises(ValueError, match=r"different devices \(numpy and other\).*\.to\(device\)"):
        a * b


def test_backward_on_non_scalar_names_the_shape(device_name):
    y = dl.Tensor(np.ones((2, 3)), device=device_name) * 2
    with pytest.raises(ValueError, match=r"non-scalar tensor of shape \(2, 3\) needs out_grad"):
        y.backward()
    with pytest.raises(ValueError, match=r"out_grad has shape \(3,\) but the output has shape \(2, 3\)"):
        y.backward(dl.Tensor(np.ones(3), device=device_name))


def test_backward_without_any_requires_grad_says_why():
    with pytest.raises(RuntimeError, match="does not depend on any tensor with requires_grad=True"):
        (dl.Tensor([1.0], requires_grad=False) * 2).backward()


@pytest.mark.parametrize("make, message", [
    (lambda x: x.reshape((4, 2)), r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) to \(4, 2\)"),
    (lambda x: x.broadcast_to((3, 3)), r"broadcast_to: cannot broadcast shape \(2, 3\) to \(3, 3\)"),
    (lambda x: x.transpose((0, 0)), r"not a permutation of the 2 axes of shape \(2, 3\)"),
    (lambda x: x.sum(2), r"axis 2 is out of range for a tensor with 2 dimensions"),
    (lambda x: x[5], r"index 5 is out of range for an axis of size 2 \(shape \(2, 3\)\)"),
    (lambda x: x[:, ::-1], r"positive step; reverse an axis with dl.ops.flip"),
    (lambda x: x[np.array([0, 1])], r"only ints, slices and \.\.\. are supported"),
    (lambda x: dl.ops.stack([x, x.T]), r"stack: all tensors need the same shape"),
    (lambda x: dl.ops.conv2d(x, x), r"conv2d: input \(2, 3\) .* and weight \(2, 3\)"),
    (lambda x: dl.ops.cross_entropy(x, [0, 7]), r"integers in \[0, 3\)"),
    (lambda x: x ** "2", r"\*\* takes a Python number or a Tensor as exponent"),
])
def test_shape_errors_name_the_shapes(make, message):
    with pytest.raises((ValueError, IndexError, TypeError), match=message):
        make(dl.Tensor(np.ones((2, 3))))


def test_unsupported_dtype_lists_the_supported_ones():
    with pytest.raises(ValueError, match=r"dtype 'int32' is not supported; use one of \('float32', 'float64', 'bfloat16', 'float16'\)"):
        dl.Tensor([1, 2], dtype="int32")


def test_grad_of_non_scalar_function_points_to_vjp():
    with pytest.raises(ValueError, match=r"grad: f must return a scalar, got shape \(2,\); use dl.vjp"):
        dl.grad(lambda t: t * 2)(dl.Tensor([1.0, 2.0]))


def test_linear_names_expected_features():
    layer = dl.nn.Linear(4, 2)
    with pytest.raises(ValueError, match=r"input of shape \(3, 5\) has 5 features, expected 4"):
        layer(dl.Tensor(np.ones((3, 5))))
