"""Benchmarking frameworks honestly: one training step of the same MLP, small CNN and small Transformer in torch
(eager, compile), JAX (jit), TensorFlow (eager, tf.function), Keras 3 (three backends) and dlsys_lab (numpy, cpu).

Equal thread counts, the same batches, warm-up, interleaved rounds, medians with IQR, and a bootstrap confidence
interval for every ratio to torch eager. `python -m dlsys_lab.bench.frameworks --json OUT [--fast]`.
"""
from dlsys_lab.bench.frameworks.registry import BASELINE, FRAMEWORKS
from dlsys_lab.bench.frameworks.report import plot, table
from dlsys_lab.bench.frameworks.runner import run
from dlsys_lab.bench.frameworks.spec import MODELS

__all__ = ["BASELINE", "FRAMEWORKS", "MODELS", "plot", "run", "table"]
