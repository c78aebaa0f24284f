"""The course's kernel keeps what libraries write below Python (absl, oneDNN, profiler notices) out of notebooks,
and still shows Python's own stderr."""
import json
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager

from dlsys_lab.kernelspec import KERNEL_ARGS, KERNEL_ENV
from dlsys_lab.notebooks import KERNEL_NAME


def test_the_registered_kernel_is_the_courses():
    spec = json.loads((Path(KernelSpecManager().find_kernel_specs()[KERNEL_NAME]) / "kernel.json").read_text())
    assert all(arg in spec["argv"] for arg in KERNEL_ARGS), "run `make setup` (it re-registers the kernel)"
    assert spec["env"] == KERNEL_ENV


def test_c_level_stderr_stays_out_of_the_notebook():
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys\nos.write(2, b'a C library notice\\n')\nprint('a Python warning', file=sys.stderr)")])
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=60).execute()
    assert [o.get("text") for o in nb.cells[0].outputs] == ["a Python warning\n"]
