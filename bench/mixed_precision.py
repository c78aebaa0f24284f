"""Mixed precision on this CPU: one training step of an MLP in float32, bfloat16 and float16, in dlsys_lab
(dl.amp.autocast, numpy and cpu devices) and torch (torch.autocast("cpu")), interleaved round by round; medians,
IQRs and each variant's ratio to its own float32 step, all from one run. Also a bare 2-D matmul in each dtype.

dlsys_lab's half kernels widen to float32 and round back (no native bf16 arithmetic is used), so they can only add
conversion work; torch's bf16 matmul goes to oneDNN, which uses AVX512-BF16 or AMX where the CPU has them.
Usage: python bench/mixed_precision.py [--width 256] [--batch 32] [--rounds 7] [--repeat 5] [--matmul 1024]
       [--threads N]  (one thread gives steadier figures on a shared machine)
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import dlsys_lab as dl
from dlsys_lab.amp.speed import dl_step, interleaved, machine_line, table, torch_step

PRECISIONS = ("float32", "bfloat16", "float16")


def steps(width: int, batch: int, devices) -> dict:
    """Every (framework, device, precision) step to time."""
    out = {}
    for device in devices:
        for p in PRECISIONS:
            out[f"dlsys_lab {device} {p}"] = dl_step(p, device, width, batch)
    for p in PRECISIONS:
        out[f"torch {p}"] = torch_step(p, width, batch)
    return out


def matmuls(n: int, devices) -> dict:
    """n x n matmuls in each dtype: dlsys_lab (numpy, cpu) and torch."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    out = {}
    for device in devices:
        for p in PRECISIONS:
            x, y = dl.Tensor(a, device=device, dtype=p), dl.Tensor(b, device=device, dtype=p)
            out[f"dlsys_lab {device} {p}"] = lambda x=x, y=y: x.backend.matmul(x.data, y.data)
    for p in PRECISIONS:
        x, y = torch.from_numpy(a).to(getattr(torch, p)), torch.from_numpy(b).to(getattr(torch, p))
        out[f"torch {p}"] = lambda x=x, y=y: x @ y
    return out


def twin(name: str) -> str:
    return name.rsplit(" ", 1)[0] + " float32"


def main(argv=None) -> None:
    """Print the machine line, the step table and the matmul table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--matmul", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=None, help="threads for torch, our kernels and BLAS")
    args = parser.parse_args(argv)
    if args.threads:  # torch's OpenMP (which our kernels share) and NumPy's BLAS
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)
    devices = [d for d in ("numpy", "cpu") if dl.device(d).available()]
    print(machine_line())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, ATen CPU capability "
          f"{torch.backends.cpu.get_cpu_capability()}")
    print(f"\ntraining step, MLP 64-{args.width}-{args.width}-10, batch {args.batch}, {args.rounds} rounds x "
          f"{args.repeat} steps")
    print(table(interleaved(steps(args.width, args.batch, devices), args.rounds, args.repeat), twin))
    print(f"\nmatmul {args.matmul} x {args.matmul} x {args.matmul}")
    print(table(interleaved(matmuls(args.matmul, devices), args.rounds, max(1, args.repeat // 2)), twin))
    print(f"load average at the end {__import__('os').getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
