"""Week 5: the lecture, lab-session and graded-lab notebooks execute headless in fast mode.

The widgets' callbacks are driven in test_week05_widgets.py; the graded lab's mutants are checked by `dlsys check`
and test_week05_lab.py.
"""
from pathlib import Path

import pytest

from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def errors(nb) -> list:
    return [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def test_lecture_05_hardware():
    nb = execute_notebook(ROOT / "lectures/05_hardware.ipynb")
    text = printed(nb)
    assert not errors(nb)
    assert "void matmul_naive(" in text and "void matmul_tiled(" not in text  # lab05's answer is never shown
    assert "128 threads x 37 registers: 12 blocks, 48 warps, occupancy 75.0%" in text
    for dataflow in ("os", "ws", "is"):
        assert f"{dataflow}: " in text and "exact: False" not in text
    assert "TPU v1" in text and "our best: vectorized at n=4096" in text


def test_lab_session_05_hardware():
    nb = execute_notebook(ROOT / "labs/05_hardware.ipynb")
    text = printed(nb)
    assert not errors(nb)
    assert "naive, B row-major" in text and "naive, B column-major" in text
    assert "sm_90: occupancy drops when a thread needs [33, 41, 49, 65, 81, 129] registers" in text
    assert "fastest: " in text and "H200 FP32 roof" in text


def test_graded_lab_05_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab05_kernels/lab05_kernels.ipynb")
    assert not errors(nb)
    assert "tiled is " in printed(nb) and "os: 4031 cycles, 32 folds" in printed(nb)
    assert all(cell.get("outputs") == [] for cell in nb.cells if cell.cell_type == "code"
               and "test_" in cell.metadata.get("nbgrader", {}).get("grade_id", ""))
