"""Post-training int8 quantization of one dlsys_lab MLP four ways: dl.quant (our int8 kernel), torch's eager
post-training quantization (dynamic and static; deprecated in torch 2.13 in favour of torchao's pt2e flow, which is
not installed here), and onnxruntime's quantize_dynamic and quantize_static (QDQ, per channel). Used by
bench/quantization.py and labs/09_optimization.ipynb.
"""
from __future__ import annotations

import io
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime import quantization as ortq

import dlsys_lab as dl
from dlsys_lab.logs import quiet
from dlsys_lab.serve.runtime import with_dynamic_batch


def torch_twin(model) -> torch.nn.Sequential:
    """The same MLP (a Sequential of Linear and ReLU layers) in torch, with the same weights."""
    layers = [torch.nn.Linear(m.in_features, m.out_features) if isinstance(m, dl.nn.Linear) else torch.nn.ReLU()
              for m in model.layers]
    twin = torch.nn.Sequential(*layers)
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    return twin.eval()


def torch_static(twin, calibration: np.ndarray) -> torch.nn.Module:
    """torch's eager static PTQ (fbgemm: per-channel int8 weights, histogram-calibrated activations)."""
    aq = torch.ao.quantization
    wrapped = torch.nn.Sequential(aq.QuantStub(), *[m for m in twin], aq.DeQuantStub()).eval()
    wrapped.qconfig = aq.get_default_qconfig("fbgemm")
    prepared = aq.prepare(wrapped)
    with torch.no_grad():
        prepared(torch.from_numpy(calibration))
    return aq.convert(prepared)


class _Calibration(ortq.CalibrationDataReader):
    """onnxruntime's calibration reader over a list of input batches."""

    def __init__(self, name, batches):
        self.items = iter([{name: b} for b in batches])

    def get_next(self):
        return next(self.items, None)


def ort_session(path: Path):
    """A function running the ONNX file at path in onnxruntime on one thread."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def torch_bytes(module) -> int:
    """Bytes of a torch module's saved state_dict."""
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def candidates(model, calibration: np.ndarray, folder: Path) -> dict:
    """{name: (predict function on a float32 array, weight bytes)}."""
    quantized = dl.quant.quantize(model, [dl.Tensor(calibration, requires_grad=False)])
    twin = torch_twin(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the eager flow's deprecation notices
        t_dynamic = torch.ao.quantization.quantize_dynamic(twin, {torch.nn.Linear}, dtype=torch.qint8)
        t_static = torch_static(torch_twin(model), calibration)
    float_path, dyn_path, static_path = folder / "mlp.onnx", folder / "mlp_dynamic.onnx", folder / "mlp_static.onnx"
    proto = dl.export.to_onnx(model, dl.Tensor(calibration[:1], requires_grad=False), float_path)
    onnx.save(with_dynamic_batch(proto), str(float_path))
    # onnxruntime logs on the root logger that quant_pre_process (shape inference and graph optimization) could
    # come first; our exported graph carries its shapes and has nothing to fold, so the advice is dropped here
    with quiet("root"):
        ortq.quantize_dynamic(str(float_path), str(dyn_path), weight_type=ortq.QuantType.QInt8)
        ortq.quantize_static(str(float_path), str(static_path), _Calibration(proto.graph.input[0].name, [calibration]),
                             quant_format=ortq.QuantFormat.QDQ, per_channel=True, weight_type=ortq.QuantType.QInt8,
                             activation_type=ortq.QuantType.QInt8)

    def dl_predict(m):
        return lambda x: m(dl.Tensor(x, requires_grad=False)).numpy()

    def torch_predict(m):
        return lambda x: m(torch.from_numpy(x)).detach().numpy()

    return {
        "dlsys float32": (dl_predict(model), dl.quant.model_bytes(model)),
        "dl.quant int8": (dl_predict(quantized), dl.quant.model_bytes(quantized)),
        "torch float32": (torch_predict(twin), torch_bytes(twin)),
        "torch dynamic int8": (torch_predict(t_dynamic), torch_bytes(t_dynamic)),
        "torch static int8": (torch_predict(t_static), torch_bytes(t_static)),
        "ort float32": (ort_session(float_path), float_path.stat().st_size),
        "ort dynamic int8": (ort_session(dyn_path), dyn_path.stat().st_size),
        "ort static int8": (ort_session(static_path), static_path.stat().st_size),
    }


def latencies(functions: dict, x: np.ndarray, repeat: int) -> dict:
    """Median seconds of one call of each function on x, taking turns."""
    times = {name: [] for name in functions}
    for fn in functions.values():
        fn(x)
    for _ in range(repeat):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn(x)
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}
