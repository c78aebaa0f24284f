"""The course's Jupyter kernel, `dlsys-lab`, registered in the venv (`make setup` runs
`python -m dlsys_lab.kernelspec`). What libraries write below Python (TensorFlow's absl and oneDNN notices, the
PyTorch profiler's USDT lines) goes to JupyterLab's console, not into notebooks as pink stderr boxes that look like
errors; Python's own warnings and tracebacks still show in the notebook."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from dlsys_lab.notebooks import KERNEL_NAME

DISPLAY_NAME = "Python 3 (dlsys-lab)"
KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False"]   # C-level output of libraries stays off the notebook
KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2"}                  # and TensorFlow's C++ logs below errors off the console


def install(prefix: str = sys.prefix) -> Path:
    """Register the kernel under prefix (the venv); returns its kernel.json."""
    from ipykernel.kernelspec import install as install_kernel
    folder = Path(install_kernel(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix, env=KERNEL_ENV))
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text())
    connection = spec["argv"].index("-f")
    spec["argv"][connection:connection] = KERNEL_ARGS
    spec_file.write_text(json.dumps(spec, indent=1))
    return spec_file


if __name__ == "__main__":
    print(f"kernel {KERNEL_NAME}: {install()}")
