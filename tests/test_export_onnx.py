"""dl.export.to_onnx and from_onnx: valid models that onnxruntime agrees with, models from torch, training an
imported model, and the errors for broken files and unsupported ops."""
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import dlsys_lab as dl
from dlsys_lab.export import OnnxLoadError, UnsupportedOpError

nn = dl.nn
TOL = dict(rtol=1e-5, atol=1e-5)


def _models():
    rng = np.random.default_rng(0)
    images, rows = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((5, 8))
    f32 = lambda a: a.astype(np.float32)  # noqa: E731
    return {
        "mlp": (nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), nn.Sigmoid()), f32(rows)),
        "cnn": (nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(64, 3)), f32(images)),
        "layernorm": (nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.Tanh()), f32(rows)),
        "residual": (nn.Sequential(nn.Residual(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8))),
                                   nn.BatchNorm1d(8), nn.Dropout(0.5)), f32(rows)),
        "embedding": (nn.Sequential(nn.Embedding(10, 6), nn.Linear(6, 3)), rng.integers(0, 10, (4, 7))),
        "transformer": (nn.TransformerEncoderLayer(16, 2, 32), f32(rng.standard_normal((2, 5, 16)))),
    }


MODELS = _models()


def _ort(path, *inputs, every=False):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {i.name: np.asarray(x) for i, x in zip(session.get_inputs(), inputs)})
    return outputs if every else outputs[0]


@pytest.mark.parametrize("name", list(MODELS))
def test_to_onnx_is_valid_and_onnxruntime_agrees(name, tmp_path):
    model, x = MODELS[name]
    path = tmp_path / f"{name}.onnx"
    proto = dl.export.to_onnx(model, x, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert proto.opset_import[0].version == 17
    assert model.training  # to_onnx traced in eval mode and restored the mode
    model.eval()
    expected = model(x if x.dtype.kind == "i" else dl.Tensor(x)).numpy()
    np.testing.assert_allclose(_ort(path, x), expected, **TOL)
    np.testing.assert_allclose(dl.export.from_onnx(path)(x).numpy(), expected, **TOL)


def test_embedding_is_a_gather_of_the_token_input(tmp_path):
    model, tokens = MODELS["embedding"]
    path = tmp_path / "embedding.onnx"
    proto = dl.export.to_onnx(model, tokens, path)
    gather = next(n for n in proto.graph.node if n.op_type == "Gather")
    assert gather.input[1] == proto.graph.input[0].name
    assert all(onnx.numpy_helper.to_array(t).shape != tokens.shape for t in proto.graph.initializer)
    others = (tokens + 3) % 10  # tokens never seen while tracing
    np.testing.assert_allclose(_ort(path, others), model(others).numpy(), **TOL)


def test_a_function_of_tensors_exports_with_its_ops(tmp_path):
    rng = np.random.default_rng(1)
    w = dl.Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=False)

    def f(x, y):
        z = dl.ops.conv2d(x, w, stride=2, padding=1).sum(axes=(2, 3))
        return dl.ops.softmax(z[:, 1:], 1) * 2.0 - dl.ops.abs(z).max(1, keepdims=True) / y ** 2

    x, y = rng.standard_normal((2, 3, 9, 9)).astype(np.float32), rng.uniform(1, 2, (2, 1)).astype(np.float32)
    path = tmp_path / "f.onnx"
    dl.export.to_onnx(f, (x, y), path, opset=18)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_0": x, "input_1": y})[0]
    np.testing.assert_allclose(got, f(dl.Tensor(x), dl.Tensor(y)).numpy(), **TOL)


def _loss(model, x, target):
    out = model(x)
    return ((out - dl.Tensor(target)) ** 2).mean()


def _lowers_loss(model, x, target):
    params = model.parameters()
    assert params and all(isinstance(p, nn.Parameter) for p in params)
    before = _loss(model, x, target)
    before.backward()
    dl.optim.SGD(params, lr=0.05).step()
    return _loss(model, x, target).item() < before.item()


def test_an_imported_model_trains(tmp_path):
    model, x = MODELS["cnn"]
    dl.export.to_onnx(model, x, tmp_path / "cnn.onnx")
    imported = dl.export.from_onnx(tmp_path / "cnn.onnx")
    assert _lowers_loss(imported, x, np.zeros((2, 3), np.float32))


def test_nested_outputs_are_flattened(tmp_path):
    lstm, x = nn.LSTM(4, 6), np.random.default_rng(2).standard_normal((3, 2, 4)).astype(np.float32)
    dl.export.to_onnx(lstm, x, tmp_path / "lstm.onnx")
    output, (h, c) = lstm(dl.Tensor(x))
    for got, expected in zip(_ort(tmp_path / "lstm.onnx", x, every=True), (output, h, c)):
        np.testing.assert_allclose(got, expected.numpy(), **TOL)


def test_to_and_from_onnx_on_every_device(device_name, tmp_path):
    model = nn.Sequential(nn.Linear(8, 4, device=device_name), nn.Tanh())
    x = np.random.default_rng(3).standard_normal((3, 8)).astype(np.float32)
    dl.export.to_onnx(model, x, tmp_path / "mlp.onnx")
    imported = dl.export.from_onnx(tmp_path / "mlp.onnx", device=device_name)
    expected = model(dl.Tensor(x, device=device_name)).numpy()
    np.testing.assert_allclose(_ort(tmp_path / "mlp.onnx", x), expected, **TOL)
    np.testing.assert_allclose(imported(x).numpy(), expected, **TOL)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_from_onnx_of_a_torch_model_agrees_and_trains(dynamo, tmp_path):
    torch = pytest.importorskip("torch")
    if dynamo:
        pytest.importorskip("onnxscript", reason="torch.onnx.export(dynamo=True) needs onnxscript")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 10),
                              torch.nn.LogSoftmax(dim=1)).eval()
    x = torch.randn(2, 1, 8, 8)
    path = tmp_path / "torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), str(path), dynamo=dynamo, **({} if dynamo else {"opset_version": 17}))
    imported = dl.export.from_onnx(path)
    with torch.no_grad():
        expected = net(x).numpy()
    np.testing.assert_allclose(imported(x.numpy()).numpy(), expected, **TOL)
    assert _lowers_loss(imported, x.numpy(), np.zeros((2, 10), np.float32))


def test_truncated_and_malformed_files_say_so(tmp_path):
    model, x = MODELS["mlp"]
    good = tmp_path / "mlp.onnx"
    dl.export.to_onnx(model, x, good)
    data = good.read_bytes()
    for name, content in [("truncated.onnx", data[:len(data) // 2]), ("garbage.onnx", b"not an onnx model")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(OnnxLoadError, match=name):
            dl.export.from_onnx(tmp_path / name)
    with pytest.raises(OnnxLoadError, match="no such file"):
        dl.export.from_onnx(tmp_path / "missing.onnx")


def test_an_unsupported_op_is_named_with_its_node_and_opset(tmp_path):
    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [3])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [3])
    graph = onnx.helper.make_graph([onnx.helper.make_node("Erf", ["x"], ["y"], name="my_erf")], "g", [x], [y])
    path = tmp_path / "erf.onnx"
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)]), path)
    with pytest.raises(UnsupportedOpError, match=r"'Erf' \(node 'my_erf', opset 17\)"):
        dl.export.from_onnx(path)


def test_an_op_without_onnx_form_is_named(tmp_path):
    with pytest.raises(UnsupportedOpError, match="SoftmaxCrossEntropy"):
        dl.export.to_onnx(lambda x: dl.ops.cross_entropy(x, [0, 1]), np.ones((2, 3), np.float32), tmp_path / "l.onnx")


def test_an_old_opset_is_converted_on_import(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Softmax(dim=1)).eval()
    x = torch.randn(3, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), str(tmp_path / "old.onnx"), dynamo=False, opset_version=11)
    imported = dl.export.from_onnx(tmp_path / "old.onnx")
    assert imported.graph.opset == 13
    with torch.no_grad():
        np.testing.assert_allclose(imported(x.numpy()).numpy(), net(x).numpy(), **TOL)
