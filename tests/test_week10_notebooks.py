"""Week 10: the lecture, lab-session and graded-lab notebooks execute headless in fast mode.

The widgets' callbacks are driven in test_week10_widgets.py; the graded lab's mutants are checked by `dlsys check`;
the lab session's run of the Dask workflow is also the test of its MLflow tracking.
"""
import re
from pathlib import Path

import pytest

from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_lecture_10_hpo_uq():
    text = printed(execute_notebook(ROOT / "lectures/10_hpo_uq.ipynb"))
    assert "bracket s=3: 34 configs @ 3, 11 configs @ 9, 3 configs @ 27, 1 configs @ 81" in text
    assert "s_max(243, 3) = 5" in text
    for method in ("random search", "successive halving", "hyperband", "optuna TPE + SHA pruner"):
        assert f"\n{method} " in text
    before = float(re.search(r"T = 1: +ECE ([0-9.]+)", text).group(1))
    after = float(re.search(r"T = [0-9.]+: ECE ([0-9.]+)", text).group(1))
    assert after < before  # temperature scaling lowers held-out ECE on the lecture's model
    lower = int(re.search(r"lower in (\d+)% of them", text).group(1))
    assert lower > 50  # and on most random fit/score splits of the held-out digits
    assert "classes 8, 9 unseen" in text and "epistemic sd:" in text


def test_lab_10_workflows():
    text = printed(execute_notebook(ROOT / "labs/10_workflows.ipynb"))
    assert "20 trials requested 20; numbers 0..19 each once: True" in text
    assert "member 1 failed once and was retried: True" in text
    assert "second run executed: []" in text
    assert "with a fifth member, executed: ['train_4', 'evaluate', 'ensemble', 'report']" in text
    mlflow_runs = re.findall(r"^[0-9a-f]{8} \{'members': '(\d)'", text, re.M)
    assert sorted(mlflow_runs) == ["4", "5"]  # both reports were tracked in MLflow's SQLite store
    assert "artifact: mlartifacts report.txt True" in text  # artifacts next to the database, not in the cwd
    for kind in ("deep ensemble", "bagging", "snapshot"):
        assert f"\n{kind} " in text


def test_graded_lab_10_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab10_hpo_uq/lab10_hpo_uq.ipynb")
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
