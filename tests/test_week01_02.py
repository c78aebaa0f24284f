"""Weeks 1 and 2: every lecture, lab-session and graded-lab notebook executes headless in fast mode.

The widgets' callbacks are driven in test_viz_*.py; the graded lab's mutants are checked by `dlsys check`.
"""
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from dlsys_lab.notebooks import MXNET_KERNEL_NAME, execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.notebook


def has_kernel(name: str) -> bool:
    """True when a Jupyter kernel of that name is registered."""
    try:
        KernelSpecManager().get_kernel_spec(name)
        return True
    except NoSuchKernel:
        return False


@pytest.mark.slow
def test_lecture_01_models():
    text = printed(execute_notebook(ROOT / "lectures/01_models.ipynb"))
    assert "hand-unrolled RNN matches torch.nn.RNN: True" in text
    assert "softmax regression, 2 epochs: test accuracy" in text
    assert "our counts equal torch's parameter counts, dlsys_lab's twins' and torch's FLOP counter: True" in text
    assert "the context's part equals the projections' at T = 2 d = 128" in text


@pytest.mark.slow
def test_lecture_02_autodiff():
    text = printed(execute_notebook(ROOT / "lectures/02_autodiff.ipynb"))
    assert "reverse mode (1 sweep back):  df/dx1 = 1.5000, df/dx2 = 1.5800" in text
    assert "d2f/dx1^2 at x1 = 2 by grad of grad: -0.25" in text


@pytest.mark.slow
def test_lab_01_frameworks_with_mxnet_results(tmp_path, monkeypatch):
    """The MXNet notebook (when its kernel exists) feeds the main lab, whose own cell asserts step-by-step agreement."""
    results = tmp_path / "mxnet.json"
    monkeypatch.setenv("DLSYS_MXNET_RESULTS", str(results))
    mxnet = has_kernel(MXNET_KERNEL_NAME)
    if mxnet:
        execute_notebook(ROOT / "labs/01_mxnet_gluon.ipynb", kernel_name=MXNET_KERNEL_NAME)
        assert results.exists()
    text = printed(execute_notebook(ROOT / "labs/01_frameworks.ipynb"))
    # NumPy, PyTorch, TF eager, tf.function, JAX, dlsys_lab, Keras on JAX (its one fast-mode backend), MXNet
    frameworks = 7 + mxnet
    assert f"MLP: {frameworks} frameworks follow the same loss trajectory" in text
    assert "fastest step of the interleaved rows" in text
    assert ("MXNet results read from" in text) == mxnet


@pytest.mark.slow
def test_lab_02_autodiff_session():
    text = printed(execute_notebook(ROOT / "labs/02_autodiff.ipynb"))
    assert "max |derivative - formula|" in text


@pytest.mark.slow
def test_graded_lab_02_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab02_autodiff/lab02_autodiff.ipynb")
    errors = [out for cell in nb.cells for out in cell.get("outputs", [])
              if out.get("output_type") == "error" or out.get("name") == "stderr"]
    assert errors == []
