"""GFLOP/s of each step of our CPU matmul next to NumPy and torch, measured in one run (for lecture and lab 05).

Each rate is 2 n^3 / median seconds (dlsys_lab.bench.measure); a step that cannot run (the tiled step of the
student edition before lab05_kernels is done, or the cpu backend without a compiler) is reported, not hidden.
"""
from __future__ import annotations

import numpy as np

STEPS = ("naive", "tiled", "simd", "parallel")


def step_rates(sizes=(128, 256), repeat: int = 5, naive_up_to: int = 512, seed: int = 0):
    """(rows, problems): a row per size with n and the GFLOP/s of numpy, torch and each cpu step (None where
    skipped or unavailable), and {step: why it could not run}."""
    import torch

    import dlsys_lab.nd as nd

    cpu = nd.device("cpu").backend
    rng = np.random.default_rng(seed)
    rows, problems = [], {}
    for n in sizes:
        a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        row = {"n": n, "numpy": _rate(n, lambda: a @ b, repeat), "torch": _rate(n, lambda: ta @ tb, repeat)}
        da, db = (cpu.from_numpy(a), cpu.from_numpy(b)) if cpu.available() else (None, None)
        for step in STEPS:
            row[step] = None
            if da is None or step == "naive" and n > naive_up_to or step in problems:
                continue
            try:
                row[step] = _rate(n, lambda s=step: cpu.matmul(da, db, step=s), repeat)
            except (RuntimeError, NotImplementedError) as err:  # not written yet in the student edition
                problems[step] = str(err).splitlines()[0]
        rows.append(row)
    if not cpu.available():
        problems["cpu backend"] = cpu.status()
    return rows, problems


def _rate(n: int, fn, repeat: int) -> float:
    from dlsys_lab.bench import measure

    return 2 * n ** 3 / measure(fn, warmup=1, repeat=repeat).median / 1e9
