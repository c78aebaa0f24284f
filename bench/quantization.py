"""Post-training int8 quantization of the digits MLP four ways, measured in one run: dl.quant (our int8 kernel),
torch's eager post-training quantization (dynamic and static; deprecated in torch 2.13 in favour of torchao's
pt2e flow, which is not installed here), and onnxruntime's quantize_dynamic and quantize_static (QDQ, per channel).

For each: test accuracy (and its drop from float32), weight bytes (ratio to float32), and median latency at
batch 1 and 256 on one thread, the candidates taking turns sample by sample.
Usage: python bench/quantization.py [--epochs 15] [--repeat 50]
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
# bench/ holds a file named onnx.py: drop this folder from the path so that `import onnx` finds the real package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from onnxruntime import quantization as ortq  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import dlsys_lab as dl  # noqa: E402
from dlsys_lab.data import DataLoader, digits  # noqa: E402
from dlsys_lab.serve.runtime import with_dynamic_batch  # noqa: E402
from dlsys_lab.train_digits import fit_mlp  # noqa: E402


def torch_twin(model) -> torch.nn.Sequential:
    """The same MLP in torch, with the same weights (state_dict keys match)."""
    twin = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                               torch.nn.ReLU(), torch.nn.Linear(256, 10))
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
    def __init__(self, name, batches):
        self.items = iter([{name: b} for b in batches])

    def get_next(self):
        return next(self.items, None)


def ort_session(path: Path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def torch_bytes(module) -> int:
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


def main(argv=None) -> None:
    """Train, quantize every way, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    with threadpool_limits(1):
        model = fit_mlp(args.epochs, progress=False).eval()
        train_set, test_set = digits()
        calibration = next(iter(DataLoader(train_set, batch_size=256, shuffle=True, seed=1)))[0].numpy()
        x_test, y_test = (t.numpy() for t in next(iter(DataLoader(test_set, batch_size=len(test_set)))))
        with tempfile.TemporaryDirectory() as folder:
            found = candidates(model, calibration, Path(folder))
            predict = {name: fn for name, (fn, _) in found.items()}
            accuracy = {name: float((fn(x_test).argmax(1) == y_test).mean()) for name, fn in predict.items()}
            one = latencies(predict, x_test[:1], args.repeat)
            many = latencies(predict, np.ascontiguousarray(np.resize(x_test, (256, 64))), args.repeat)
    print(f"digits MLP 64-256-256-10, {args.epochs} epochs; one thread; load average {os.getloadavg()[0]:.2f}")
    print(f"{'':20} {'accuracy':>9} {'drop pts':>9} {'bytes':>9} {'/ fp32':>7} {'b=1 us':>9} {'b=256 us':>9}")
    for name, (_, size) in found.items():
        reference = name.split()[0] + " float32" if not name.startswith("dl.") else "dlsys float32"
        drop = 100 * (accuracy[reference] - accuracy[name])
        print(f"{name:20} {accuracy[name]:>9.4f} {drop:>9.2f} {size:>9} {size / found[reference][1]:>7.3f} "
              f"{one[name] * 1e6:>9.1f} {many[name] * 1e6:>9.1f}")


if __name__ == "__main__":
    main()
