"""MXNet is a real lab framework: its Gluon notebook trains under the "MXNet 1.9 (legacy)" kernel."""
from pathlib import Path

import pytest

from dlsys_lab.notebooks import MXNET_KERNEL_NAME, execute_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "labs" / "01_mxnet_gluon.ipynb"


@pytest.mark.mxnet
@pytest.mark.notebook
@pytest.mark.slow
def test_gluon_notebook_trains_under_the_mxnet_kernel(tmp_path):
    nb = execute_notebook(NOTEBOOK, kernel_name=MXNET_KERNEL_NAME, timeout=300, cwd=tmp_path)
    assert nb.metadata.kernelspec.name == MXNET_KERNEL_NAME
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    assert "mxnet 1.9.1" in text.lower(), "the notebook should print the MXNet version it ran on"
