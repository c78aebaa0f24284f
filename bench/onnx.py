"""Inference latency of one small CNN five ways, as ratios against onnxruntime measured in one run.

The same weights run in dlsys_lab (numpy and cpu backends), as the ONNX file dl.export.to_onnx wrote imported back
with from_onnx (as it is, and after the graph passes), in onnxruntime and in torch, at batch 1 and 64. Everything
runs on one thread; the candidates take turns sample by sample, so machine load falls on all of them alike.
Usage: python bench/onnx.py [--repeat 15] [--batches 1 64]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This file is named onnx.py: drop its folder from the path so that `import onnx` finds the real package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import dlsys_lab as dl  # noqa: E402
from dlsys_lab.bench.ratios import median_ratio  # noqa: E402
from dlsys_lab.bench.timing import calls_per_sample, format_seconds  # noqa: E402
from dlsys_lab.export import OnnxModel, graph_from_model, optimize  # noqa: E402


def torch_cnn() -> torch.nn.Module:
    """Conv 1->8 (3x3, pad 1), ReLU, 2x2 max pool, Linear 128->10: a digits-sized CNN."""
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(8 * 4 * 4, 10)).eval()


def dl_cnn(weights: dict, device: str) -> dl.nn.Module:
    """The same CNN in dlsys_lab with torch's weights (state_dict keys match)."""
    nn = dl.nn
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, device=device), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 4 * 4, 10, device=device))
    model.load_state_dict(weights)
    return model.eval()


def candidates(batch: int, folder: Path) -> dict:
    """{name: zero-argument function running one inference} for one batch size."""
    x = np.random.default_rng(batch).standard_normal((batch, 1, 8, 8)).astype(np.float32)
    net = torch_cnn()
    weights = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    native = {device: dl_cnn(weights, device) for device in ("numpy", "cpu") if dl.device(device).available()}
    path = folder / f"cnn_b{batch}.onnx"
    proto = dl.export.to_onnx(native["numpy"], x, path)
    imported = dl.export.from_onnx(path)
    optimized = OnnxModel(optimize(graph_from_model(proto))[0])
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    tx, inputs = torch.from_numpy(x), {device: dl.Tensor(x, device=device) for device in native}
    runs = {"onnxruntime": lambda: session.run(None, {"input": x})}
    runs.update({f"dlsys_lab {device}": (lambda m=m, d=device: m(inputs[d]).numpy()) for device, m in native.items()})
    runs["from_onnx (numpy)"] = lambda: imported(x).numpy()
    runs["from_onnx + passes"] = lambda: optimized(x).numpy()
    runs["torch"] = lambda: net(tx).numpy()
    expected = runs["onnxruntime"]()[0]
    with dl.no_grad(), torch.no_grad():
        for name, fn in runs.items():  # every candidate computes the same numbers
            got = fn()
            np.testing.assert_allclose(got[0] if isinstance(got, list) else got, expected, rtol=1e-4, atol=1e-5,
                                       err_msg=name)
    return runs


def interleaved(runs: dict, repeat: int) -> dict[str, list[float]]:
    """Seconds per call, `repeat` samples per candidate, taken in turns."""
    numbers = {name: calls_per_sample(fn, 5e-3) for name, fn in runs.items()}
    samples = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / numbers[name])
    return samples


def main() -> None:
    """Measure and print one table per batch size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"onnxruntime {ort.__version__}, torch {torch.__version__}, NumPy {np.__version__}; one thread; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(1), dl.no_grad(), torch.no_grad():
        for batch in args.batches:
            samples = interleaved(candidates(batch, Path(folder)), args.repeat)
            base = samples["onnxruntime"]
            print(f"\nbatch {batch}: median latency (IQR), ratio to onnxruntime [95% CI]")
            for name, times in samples.items():
                q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
                ratio, low, high = median_ratio(times, base)
                print(f"  {name:20s} {format_seconds(statistics.median(times)):>9s} ({format_seconds(q3 - q1):>8s})"
                      f"  x{ratio:7.2f} [{low:.2f}, {high:.2f}]")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
