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


def test_keras_on_tensorflow_converts_by_model_export_and_tf2onnx(cnn_and_digits, tmp_path):
    pytest.importorskip("tf2onnx", reason="tf2onnx is not installed: Keras' exporter on TensorFlow needs it")
    _, x = cnn_and_digits
    rows = {r.route: r for r in translations.keras_to_onnx(x, tmp_path, backends=("tensorflow",))}
    prefix = "Keras 3 (tensorflow backend) -> ONNX"
    for exporter in ("model.export", "tf2onnx.convert.from_function"):
        for target in ("onnxruntime", "dlsys_lab"):
            row = rows[f"{prefix} ({exporter}) -> {target}"]
            assert row.ok and row.max_abs_diff < 1e-5 and row.input_shape.endswith(", 8, 8, 1)"), row
            assert "Conv" in row.ops and "Transpose" in row.ops  # NHWC in, a transpose around the NCHW Conv
    # tf2onnx 1.17's from_keras looks the outputs up by tf.keras names, which Keras 3 no longer gives; if a newer
    # tf2onnx converts here, update the lab's reading of the table too
    broken = rows[f"{prefix} (tf2onnx.convert.from_keras)"]
    assert not broken.ok and broken.error.startswith("KeyError"), broken


def test_mxnet_gluon_exports_to_onnx_that_agrees_with_mxnet(cnn_and_digits, tmp_path):
    python, why = translations.mxnet_python()
    if python is None:
        (row,) = translations.mxnet_to_onnx(cnn_and_digits[1], tmp_path)
        assert row.row()["converts"] == "not run" and row.error == why
        pytest.skip(why)
    _, x = cnn_and_digits
    rows = translations.mxnet_to_onnx(x, tmp_path)
    assert [r.route.split(" -> ")[-1] for r in rows] == ["onnxruntime", "dlsys_lab"], rows
    for row in rows:
        # MXNet's own convolution rounds differently from onnxruntime's: a few float32 ulps of the logits
        assert row.ok and row.max_abs_diff < 1e-4 and row.input_shape == "(?, 1, 8, 8)", row
        assert row.ops == "Flatten x2, Conv, Relu, MaxPool, Gemm"


def test_an_interpreter_without_mxnet_is_a_row_with_its_error(cnn_and_digits, tmp_path, monkeypatch):
    import sys

    monkeypatch.setenv("DLSYS_MXNET_PYTHON", sys.executable)
    (row,) = translations.mxnet_to_onnx(cnn_and_digits[1], tmp_path)
    assert not row.ok and row.error == "ModuleNotFoundError: No module named 'mxnet'", row
