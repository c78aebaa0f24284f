"""Week 9: the lecture, lab-session and graded-lab notebooks execute headless in fast mode.

The widgets' callbacks are driven in test_optimization_widgets.py; the graded lab's mutants are checked by
`dlsys check`."""
import re
from pathlib import Path

import pytest

from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def _floats(pattern, text):
    return [float(v) for v in re.search(pattern, text).groups()]


def test_lecture_09_optimization():
    text = printed(execute_notebook(ROOT / "lectures/09_optimization.ipynb"))
    float_accuracy, int8_accuracy, float_bytes, int8_bytes, ratio = _floats(
        r"float32 accuracy ([0-9.]+), int8 accuracy ([0-9.]+); bytes (\d+) -> (\d+) \(ratio ([0-9.]+)\)", text)
    assert float_accuracy - int8_accuracy <= 0.02 and 0.24 < ratio < 0.3
    assert "int32 kernel equal to int64: True" in text
    assert _floats(r"largest difference after folding: ([0-9.e+-]+)", text)[0] < 1e-4
    for simulated, theory in re.findall(r"load 0\.[48]0\): simulated mean wait +([0-9.]+) ms, theory +([0-9.]+)", text):
        assert abs(float(simulated) - float(theory)) < 0.25 * float(theory)
    dense, zeroed, thin = (int(m) for m in re.findall(r"MACs per sample +(\d+)", text))
    assert zeroed == dense and thin < dense / 4
    assert len(re.findall(r"^bits +\d+, channels pruned", text, re.M)) == 12


def test_lab_09_optimization():
    text = printed(execute_notebook(ROOT / "labs/09_optimization.ipynb"))
    drop, ratio = _floats(r"dl.quant int8: accuracy drop ([0-9.-]+), bytes ratio ([0-9.]+)", text)
    assert drop <= 0.02 and 0.24 < ratio < 0.3
    assert "torch flow: " in text
    for name in ("torch dynamic int8", "torch static int8", "ort dynamic int8", "ort static int8"):
        assert re.search(rf"^{name} +0\.9\d+", text, re.M), name  # every int8 model above 90% on digits
    ptq, qat = _floats(r"post-training rounding accuracy ([0-9.]+), after QAT ([0-9.]+)", text)
    assert qat > 0.8
    labels_only, distilled = _floats(r"student on labels ([0-9.]+), distilled ([0-9.]+)", text)
    assert min(labels_only, distilled) > 0.8
    assert re.search(r"200 of 200 answered, .*server answers equal offline inference: True", text)
    assert len(re.findall(r"^knee of max_batch", text, re.M)) == 2


def test_graded_lab_09_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab09_optimization/lab09_optimization.ipynb")
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    text = printed(nb)
    assert "every answer equals offline inference: True" in text
    float_accuracy, int8_accuracy = _floats(r"float32 accuracy ([0-9.]+), int8 accuracy ([0-9.]+),", text)
    assert float_accuracy - int8_accuracy <= 0.02
    assert 0.24 < _floats(r"ratio ([0-9.]+)", text)[0] < 0.3
