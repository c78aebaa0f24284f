"""Pin every framework in this process to the same number of CPU threads, so comparisons are fair.

At small sizes extra threads add only synchronisation, and on a busy machine spinning OpenMP threads can cost more
than the work (a 64-64-10 MLP step: 2 ms on one torch thread, 200 ms on two while other jobs ran).
"""
from __future__ import annotations

import os


def limit_threads(n: int = 1) -> None:
    """Run torch, BLAS, TensorFlow and XLA (JAX) on `n` threads; call it before importing TensorFlow or JAX."""
    if n < 1:
        raise ValueError(f"limit_threads({n}): pass n >= 1")
    os.environ["OMP_NUM_THREADS"] = str(n)
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(n)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(n)
    eigen = "true" if n > 1 else "false"
    xla_flags = [flag for flag in os.environ.get("XLA_FLAGS", "").split()
                 if not flag.startswith(("--xla_cpu_multi_thread_eigen", "intra_op_parallelism_threads"))]
    os.environ["XLA_FLAGS"] = " ".join(xla_flags + [f"--xla_cpu_multi_thread_eigen={eigen}",
                                                     f"intra_op_parallelism_threads={n}"])
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(n)
