"""Post-training int8 quantization of the digits MLP four ways, measured in one run: dl.quant (our int8 kernel),
torch's eager post-training quantization (dynamic and static; deprecated in torch 2.13 in favour of torchao's
pt2e flow, which is not installed here), and onnxruntime's quantize_dynamic and quantize_static (QDQ, per channel).

For each: test accuracy (and its drop from float32), weight bytes (ratio to float32), and median latency at
batch 1 and 256 on one thread, the candidates taking turns sample by sample.
Usage: python bench/quantization.py [--epochs 15] [--repeat 50]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
# bench/ holds a file named onnx.py: drop this folder from the path so that `import onnx` finds the real package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from dlsys_lab.compare.quantizers import candidates, latencies  # noqa: E402
from dlsys_lab.data import DataLoader, digits  # noqa: E402
from dlsys_lab.train_digits import fit_mlp  # noqa: E402


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
