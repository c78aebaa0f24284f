"""The DSL's matmul schedules written in Apache TVM (in its own venv, built by `make tvm`) compute the product."""
import pytest

from dlsys_lab import dsl
from dlsys_lab.dsl.tvm_twin import STEPS, VENV_PYTHON, run_twin

pytestmark = pytest.mark.skipif(not VENV_PYTHON.exists(), reason="TVM's venv is missing: run `make tvm`")


def test_every_schedule_has_a_tvm_twin_that_equals_numpy():
    assert STEPS == tuple(dsl.STEPS)
    rows = run_twin(n=48, tile=16, repeat=1)
    assert [row["step"] for row in rows] == list(STEPS)
    assert all(row["max_abs_diff"] < 1e-3 and row["gflops"] > 0 for row in rows), rows
