"""The same training step under each framework's profiler: torch.profiler, the JAX profiler, TensorFlow's
profiler and py-spy (a sampling profiler that sees Python and native frames of any process).

Each function runs `steps` calls of a step function and says where its output went.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def torch_profile(step, steps: int, trace_path) -> str:
    """torch.profiler over `steps` calls: returns the op table (by self CPU time); writes a Chrome trace."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for i in range(steps):
            step(i)
    prof.export_chrome_trace(str(trace_path))
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12)


def jax_trace(step, steps: int, logdir) -> list[Path]:
    """jax.profiler.trace over `steps` calls: the files written (a .trace.json.gz opens in Perfetto)."""
    import jax

    with jax.profiler.trace(str(logdir)):
        for i in range(steps):
            step(i)
    return sorted(p for p in Path(logdir).rglob("*") if p.is_file())


def tf_trace(step, steps: int, logdir) -> list[Path]:
    """tf.profiler.experimental over `steps` calls: the files written (TensorBoard's profile plugin reads them)."""
    import tensorflow as tf

    tf.profiler.experimental.start(str(logdir))
    try:
        for i in range(steps):
            step(i)
    finally:
        tf.profiler.experimental.stop()
    return sorted(p for p in Path(logdir).rglob("*") if p.is_file())


PY_SPY_TARGET = ("import dlsys_lab.bench.frameworks.models_torch as m, dlsys_lab.bench.frameworks.spec as s, time\n"
                 "sz = s.SIZES['{size}']; step = m.build('eager', '{model}', sz, s.batches('{model}', sz))\n"
                 "end = time.time() + {seconds}\ni = 0\nwhile time.time() < end:\n    step(i); i += 1\n")


def py_spy_top_functions(seconds: float = 3.0, model: str = "mlp", size: str = "fast", top: int = 10):
    """py-spy samples a torch training loop in a subprocess: [(leaf function, samples)] of the loop's stacks,
    most sampled first (None without py-spy)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not os.path.exists(exe):
        return None
    script = PY_SPY_TARGET.format(size=size, model=model, seconds=seconds)
    out = subprocess.run([exe, "record", "--format", "raw", "--output", "/dev/stdout", "--rate", "200", "--",
                          sys.executable, "-c", script], capture_output=True, text=True, timeout=seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(f"py-spy failed ({out.returncode}): {out.stderr.strip()[-400:]}")
    counts: dict[str, int] = {}
    for line in out.stdout.splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit() or "models_torch.py" not in stack:
            continue  # start-up (imports) and shutdown are not the training loop
        leaf = stack.split(";")[-1]
        counts[leaf] = counts.get(leaf, 0) + int(samples)
    return sorted(counts.items(), key=lambda kv: -kv[1])[:top]
