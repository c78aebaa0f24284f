"""Run notebooks headless (tests, `dlsys check`) and read the knobs notebooks share."""
from __future__ import annotations

import os
from pathlib import Path

KERNEL_NAME = "dlsys-lab"
MXNET_KERNEL_NAME = "mxnet-legacy"


def fast_mode() -> bool:
    """True when DLSYS_FAST=1: notebooks shrink epochs and sizes so tests run in seconds."""
    return os.environ.get("DLSYS_FAST", "0") not in ("", "0", "false", "False")


def execute_notebook(path, kernel_name: str = KERNEL_NAME, timeout: int = 600, fast: bool = True,
                     cwd=None):
    """Execute a notebook in memory (the file is not modified) and return the executed node."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    env_backup = os.environ.get("DLSYS_FAST")
    os.environ["DLSYS_FAST"] = "1" if fast else "0"
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                                resources={"metadata": {"path": str(cwd or path.parent)}})
        client.execute()
    finally:
        if env_backup is None:
            os.environ.pop("DLSYS_FAST", None)
        else:
            os.environ["DLSYS_FAST"] = env_backup
    return nb
