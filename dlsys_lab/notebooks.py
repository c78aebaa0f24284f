"""Run notebooks headless (tests, `dlsys check`) and read the knobs notebooks share."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

KERNEL_NAME = "dlsys-lab"
MXNET_KERNEL_NAME = "mxnet-legacy"


def fast_mode() -> bool:
    """True when DLSYS_FAST=1: notebooks shrink epochs and sizes so tests run in seconds."""
    return os.environ.get("DLSYS_FAST", "0") not in ("", "0", "false", "False")


def execute_notebook(path, kernel_name: str = KERNEL_NAME, timeout: int = 600, fast: bool = True,
                     cwd=None, slow_cell_s: float = 120):
    """Execute a notebook in memory (the file is not modified) and return the executed node.

    A cell that runs longer than slow_cell_s raises a warning naming it, so a rare stall says where it was.
    """
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    env_backup = os.environ.get("DLSYS_FAST")
    os.environ["DLSYS_FAST"] = "1" if fast else "0"
    try:
        manager = AsyncKernelManager(kernel_name=kernel_name, client_class="dlsys_lab.notebook_channels.KernelClient")
        client = NotebookClient(nb, km=manager, timeout=timeout, kernel_name=kernel_name,
                                resources={"metadata": {"path": str(cwd or path.parent)}})
        client.execute()
    finally:
        if env_backup is None:
            os.environ.pop("DLSYS_FAST", None)
        else:
            os.environ["DLSYS_FAST"] = env_backup
        _warn_about_slow_cells(nb, path, slow_cell_s)
    return nb


def _warn_about_slow_cells(nb, path: Path, slow_cell_s: float):
    from datetime import datetime

    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            if seconds > slow_cell_s:
                first_line = cell.source.splitlines()[0] if cell.source else ""
                warnings.warn(f"{path.name}: cell {index} took {seconds:.0f} s ({first_line[:60]!r})", stacklevel=3)


def printed(nb) -> str:
    """Everything an executed notebook printed to stdout, in cell order."""
    return "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", [])
                   if out.get("output_type") == "stream" and out.get("name") == "stdout")
