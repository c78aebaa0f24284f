"""The translations table: each route that converts agrees with its source framework, and a route that breaks
says why instead of stopping the table."""
import numpy as np
import pytest

from dlsys_lab.compare import translations


@pytest.fixture(scope="module")
def cnn_and_digits():
    from dlsys_lab.data import digits

    return translations.small_cnn(), np.ascontiguousarray(digits(flatten=False)[1].arrays[0][:3])


def test_torch_routes_agree_with_torch_in_onnxruntime_and_dlsys_lab(cnn_and_digits, tmp_path):
    model, x = cnn_and_digits
    rows = translations.torch_to_onnx(model, x, tmp_path, dynamo=False)
    assert [r.route.split(" -> ")[-1] for r in rows] == ["onnxruntime", "dlsys_lab"]
    for row in rows:
        assert row.ok and row.max_abs_diff < 1e-5 and row.input_shape == "(batch, 1, 8, 8)", row
        assert row.ops == "Conv, Relu, MaxPool, Flatten, Gemm"


def test_jax_lowers_to_jaxpr_and_stablehlo_that_agree_with_torch(cnn_and_digits):
    model, x = cnn_and_digits
    jaxpr, hlo = translations.jax_to_stablehlo(model, x)
    assert jaxpr.ok and "conv_general_dilated" in jaxpr.ops and jaxpr.max_abs_diff < 1e-5
    assert hlo.ok and "stablehlo.convolution" in hlo.ops and "stablehlo.reduce_window" in hlo.ops


def test_a_route_that_breaks_is_a_row_with_its_error(cnn_and_digits, tmp_path):
    model, _ = cnn_and_digits
    (row,) = translations.torch_to_onnx(model, np.zeros((2, 3), np.float32), tmp_path, dynamo=False)
    assert not row.ok and row.error.startswith("RuntimeError") and row.row()["converts"] == "no"
