"""Week 7: the lecture, lab-session and graded-lab notebooks execute headless in fast mode.

The widgets' callbacks are driven in test_memory_widgets.py; the graded lab's mutants are checked by `dlsys check`.
"""
from pathlib import Path

import pytest

from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_lecture_07_memory():
    text = printed(execute_notebook(ROOT / "lectures/07_memory.ipynb"))
    assert "MemoryTracker(peak_bytes=" in text
    assert "two branches | framework 201 | exact 102" in text
    for policy in ("fifo", "sjf", "srtf", "las"):
        assert f"\n{policy} " in text


def test_lab_07_memory():
    text = printed(execute_notebook(ROOT / "labs/07_memory.ipynb"))
    for framework in ("dlsys_lab", "torch", "jax"):
        assert f"k=3 {framework}" in text
    assert "Adam          torch state 2.0x parameters | dlsys_lab state 2.0x parameters" in text


def test_graded_lab_07_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab07_memory/lab07_memory.ipynb")
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    assert "your check says: None" in printed(nb)
