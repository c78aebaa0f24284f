"""Run a Keras function under each Keras 3 backend, one fresh Python process per backend.

Keras reads KERAS_BACKEND once, at import, so switching backends needs a new process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from dlsys_lab.compare.digits_task import TrainingResult

KERAS_BACKENDS = ("tensorflow", "jax", "torch")
_MARKER = "DLSYS_RESULT_JSON:"


def run_with_backend(backend: str, tasks: list[dict], timeout: float = 600) -> list[TrainingResult]:
    """Train keras_digits.train_keras on DigitsTask.create(**kwargs) for each kwargs in `tasks`, under `backend`."""
    if backend not in KERAS_BACKENDS:
        raise ValueError(f"unknown Keras backend {backend!r}; use one of {KERAS_BACKENDS}")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", __name__, json.dumps(tasks)],
                          env=env, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(_MARKER)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"Keras on {backend} failed (exit {proc.returncode}); its stderr ends with:\n"
                           + proc.stderr[-2000:])
    return [TrainingResult.from_dict(data) for data in json.loads(lines[-1][len(_MARKER):])]


def _child(argv: list[str]) -> None:
    """Subprocess entry: build each task, train it, print all results as one marked JSON line."""
    from dlsys_lab.compare.digits_task import DigitsTask
    from dlsys_lab.compare.keras_digits import train_keras

    results = [train_keras(DigitsTask.create(**kwargs)).to_dict() for kwargs in json.loads(argv[0])]
    print(_MARKER + json.dumps(results), flush=True)


if __name__ == "__main__":
    _child(sys.argv[1:])
