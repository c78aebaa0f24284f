"""The DSL's matmul schedules written in Apache TVM (tensor expressions scheduled with TensorIR), for comparison.

Runs in TVM's own venv (`make tvm` builds .venv-tvm with apache-tvm 0.27), as a script: it imports nothing of
dlsys_lab. `python dlsys_lab/dsl/tvm_twin.py --n 512` prints one JSON line per step: GFLOP/s and the largest
difference from NumPy. `run_twin` (main venv) runs it and reads the lines back.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

STEPS = ("naive", "interchange", "tiled", "vectorize", "parallel")  # as dlsys_lab.dsl.STEPS
VENV_PYTHON = Path(__file__).resolve().parents[2] / ".venv-tvm" / "bin" / "python"


def schedule(func, step: str, tile: int):
    """The TensorIR schedule of the matmul PrimFunc for one step: the same primitives as dsl.matmul_schedule."""
    import tvm.s_tir

    s = tvm.s_tir.Schedule(func)
    i, j, k = s.get_loops(s.get_sblock("C"))
    if step == "interchange":
        s.reorder(i, k, j)
    elif step != "naive":
        io, ii = s.split(i, [None, tile])
        jo, ji = s.split(j, [None, tile])
        ko, ki = s.split(k, [None, tile])
        s.reorder(io, jo, ko, ii, ki, ji)
        if step in ("vectorize", "parallel"):
            s.vectorize(ji)
        if step == "parallel":
            s.parallel(io)
    return s


def measure(n: int, tile: int, repeat: int) -> list[dict]:
    """GFLOP/s (median of `repeat` runs) and the largest difference from NumPy of each step at n x n, compiled by
    LLVM for this machine's CPU (TVM 0.27 takes no `-mcpu=native`: it asks LLVM for the CPU's name)."""
    import numpy as np
    import tvm
    from tvm import te

    a_t, b_t = te.placeholder((n, n), "float32", name="A"), te.placeholder((n, n), "float32", name="B")
    k = te.reduce_axis((0, n), name="k")
    c_t = te.compute((n, n), lambda i, j: te.sum(a_t[i, k] * b_t[k, j], axis=k), name="C")
    func = te.create_prim_func([a_t, b_t, c_t])
    target = tvm.target.Target({"kind": "llvm", "mcpu": tvm.target.codegen.llvm_get_system_cpu()})
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype("float32"), rng.standard_normal((n, n)).astype("float32")
    results = []
    for step in STEPS:
        built = tvm.compile(schedule(func, step, tile).mod, target=target)
        args = [tvm.runtime.tensor(x) for x in (a, b, np.zeros((n, n), "float32"))]
        built(*args)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            built(*args)
            times.append(time.perf_counter() - start)
        seconds = sorted(times)[len(times) // 2]
        results.append({"step": step, "gflops": 2 * n ** 3 / seconds / 1e9,
                        "max_abs_diff": float(np.abs(args[2].numpy() - a @ b).max())})
    return results


def run_twin(n: int, tile: int = 64, repeat: int = 3, timeout: float = 300) -> list[dict]:
    """Run this script in .venv-tvm and return its rows; FileNotFoundError when `make tvm` has not been run."""
    if not VENV_PYTHON.exists():
        raise FileNotFoundError(f"{VENV_PYTHON} is missing: run `make tvm` to build TVM's venv")
    done = subprocess.run([str(VENV_PYTHON), __file__, "--n", str(n), "--tile", str(tile), "--repeat", str(repeat)],
                          capture_output=True, text=True, timeout=timeout, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main(argv=None) -> int:
    """Print one JSON line per step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--tile", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for row in measure(args.n, args.tile, args.repeat):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
