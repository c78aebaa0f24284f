"""Week 8: the lecture, lab-session and graded-lab notebooks execute headless in fast mode.

The widgets' callbacks are driven in test_export_widgets.py; the graded lab's mutants are checked by `dlsys check`.
"""
import re
from pathlib import Path

import pytest

from dlsys_lab.compare import translations
from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_lecture_08_portable():
    text = printed(execute_notebook(ROOT / "lectures/08_portable.ipynb"))
    assert float(re.search(r"onnxruntime vs dlsys_lab: largest difference ([0-9.e+-]+)", text).group(1)) < 1e-5
    first, second = map(float, re.search(r"loss ([0-9.]+) -> ([0-9.]+) after one step", text).groups())
    assert second < first
    assert re.search(r"\d+ of \d+ node tests pass", text)
    assert "tests whose result differs from the expected-failure list: []" in text
    assert re.search(r"\d+ -> \d+ nodes; largest change in the output: 0\.0e\+00", text)
    for kernel in ("naive", "scheduled"):
        assert float(re.search(rf"{kernel}: largest difference from NumPy ([0-9.e+-]+)", text).group(1)) < 1e-3
    for framework in ("dlsys_lab", "torch.fx", "torch.export", "jax", "tensorflow"):
        assert f"\n{framework} " in text
    assert "dsl tiled" in text and "week5 simd" in text
    assert ("tvm naive" if (ROOT / ".venv-tvm").exists() else "Apache TVM not run") in text


def test_lab_08_translations():
    text = printed(execute_notebook(ROOT / "labs/08_translations.ipynb"))
    # fast mode: both torch exporters into onnxruntime and dlsys_lab, jaxpr and StableHLO, and MXNet's file into
    # onnxruntime and dlsys_lab where the MXNet venv exists (else its row is "not run" with the reason)
    mxnet = translations.mxnet_python()[0] is not None
    assert f"{6 + 2 * mxnet} routes convert; broken: none" in text
    assert ("MXNet Gluon -> ONNX (mx.onnx) -> dlsys_lab" in text) == mxnet
    assert float(re.search(r"largest difference: ([0-9.e+-]+)", text).group(1)) < 1e-5
    assert float(re.search(r"onnxruntime vs dlsys_lab: largest difference ([0-9.e+-]+)", text).group(1)) < 1e-5
    before, after = map(float, re.search(r"training loss ([0-9.]+) -> ([0-9.]+)", text).groups())
    assert after < before


def test_graded_lab_08_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab08_export/lab08_export.ipynb")
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
