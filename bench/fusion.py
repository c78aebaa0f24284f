"""What fusion saves, measured in one run: Linear+bias+ReLU as one op (training step and inference of the digits
MLP, on the numpy and cpu devices) and BatchNorm folded into the Conv2d before it (inference of a small CNN); then
torch.compile (inductor) on the same MLP and CNN next to torch eager, with the number of kernels inductor generated.

Everything runs on one thread; fused and unfused take turns sample by sample.
Usage: python bench/fusion.py [--repeat 50]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import dlsys_lab as dl  # noqa: E402
from dlsys_lab import nn  # noqa: E402
from dlsys_lab.train_digits import make_mlp  # noqa: E402


def medians(functions: dict, repeat: int) -> dict:
    """Median seconds of each zero-argument function, taking turns."""
    times = {name: [] for name in functions}
    for fn in functions.values():
        fn()
    for _ in range(repeat):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def training_step(model, x, y):
    def step():
        model.zero_grad()
        nn.CrossEntropyLoss()(model(x), y).backward()
    return step


def inference(model, x):
    def run():
        with dl.no_grad():
            model(x)
    return run


def cnn(device):
    """Conv-BN-ReLU twice, then a Linear: a digits-sized CNN, in eval mode with non-trivial BN statistics."""
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, device=device), nn.BatchNorm2d(16, device=device), nn.ReLU(),
                          nn.Conv2d(16, 16, 3, padding=1, device=device), nn.BatchNorm2d(16, device=device), nn.ReLU(),
                          nn.Flatten(), nn.Linear(16 * 64, 10, device=device))
    return model.eval()


def report(title: str, pairs: dict) -> None:
    print(title)
    for name, (unfused, fused) in pairs.items():
        print(f"  {name:32} {unfused * 1e3:9.3f} ms -> {fused * 1e3:9.3f} ms  (x{unfused / fused:.2f})")


def dlsys_part(repeat: int) -> None:
    rng = np.random.default_rng(0)
    mlp_pairs, cnn_pairs = {}, {}
    for device in [d for d in ("numpy", "cpu") if dl.device(d).available()]:
        model = make_mlp(device)
        fused = dl.fusion.fuse(model)
        x = dl.Tensor(rng.uniform(0, 1, (256, 64)), device=device)
        y = dl.Tensor(rng.integers(0, 10, 256), device=device)
        t = medians({"step": training_step(model, x, y), "fused step": training_step(fused, x, y),
                     "infer": inference(model, x), "fused infer": inference(fused, x)}, repeat)
        mlp_pairs[f"{device} train step, batch 256"] = (t["step"], t["fused step"])
        mlp_pairs[f"{device} inference, batch 256"] = (t["infer"], t["fused infer"])
        model = cnn(device)
        images = dl.Tensor(rng.uniform(0, 1, (64, 1, 8, 8)), device=device)
        t = medians({"bn": inference(model, images), "folded": inference(dl.fusion.fuse(model), images)}, repeat)
        cnn_pairs[f"{device} inference, batch 64"] = (t["bn"], t["folded"])
    report("dlsys_lab, digits MLP: Linear + ReLU unfused -> fused (LinearReLU)", mlp_pairs)
    report("dlsys_lab, CNN: Conv2d + BatchNorm2d -> folded Conv2d (and Linear + ReLU fused)", cnn_pairs)


def torch_part(repeat: int) -> None:
    from torch._inductor import metrics

    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 10)).eval()
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
                               torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(16 * 64, 10)).eval()
    pairs = {}
    for name, model, x in [("MLP inference, batch 256", mlp, torch.rand(256, 64)),
                           ("CNN inference, batch 64", conv, torch.rand(64, 1, 8, 8))]:
        metrics.reset()
        compiled = torch.compile(model)
        start = time.perf_counter()
        with torch.no_grad():
            compiled(x)
        compile_s = time.perf_counter() - start
        with torch.no_grad():
            t = medians({"eager": lambda: model(x), "compiled": lambda: compiled(x)}, repeat)
        pairs[f"{name} ({metrics.generated_kernel_count} kernels, compiled in {compile_s:.1f} s)"] = (
            t["eager"], t["compiled"])
    report("torch eager -> torch.compile (inductor fuses elementwise ops into the kernels it generates)", pairs)


def main(argv=None) -> None:
    """Both parts, on one thread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"one thread; load average {os.getloadavg()[0]:.2f}")
    with threadpool_limits(1):
        dlsys_part(args.repeat)
        torch_part(args.repeat)


if __name__ == "__main__":
    main()
