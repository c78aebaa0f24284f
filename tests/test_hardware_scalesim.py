"""Our systolic simulator against SCALE-Sim v3 (3.0.0, in its own venv .venv-scalesim, built by `make scalesim`):
equal compute cycles and overall utilization on GEMMs that fit, fold and leave partial folds, for each dataflow."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from dlsys_lab.hardware import systolic

ROOT = Path(__file__).resolve().parents[1]
SCALESIM = ROOT / ".venv-scalesim" / "bin" / "python"
# (M, N, K, rows, cols): PLATFORM.md's case, square and skinny arrays, partial folds in every dimension.
GEMMS = [(128, 256, 64, 32, 32), (33, 17, 40, 8, 16), (5, 7, 3, 4, 4), (64, 64, 64, 16, 8), (17, 1, 33, 4, 4),
         (2, 3, 100, 3, 5)]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scalesim"), pytest.mark.skipif(not SCALESIM.exists(), reason="SCALE-Sim's venv is missing: "
                                                   "run `make scalesim` (make test builds it)")]


@pytest.fixture(scope="module")
def scalesim_runs():
    """SCALE-Sim's compute report of every case, from one run of tests/scalesim/run_scalesim.py."""
    cases = [dict(M=M, N=N, K=K, rows=r, cols=c, dataflow=d) for M, N, K, r, c in GEMMS for d in ("os", "ws", "is")]
    done = subprocess.run([str(SCALESIM), str(ROOT / "tests" / "scalesim" / "run_scalesim.py"), json.dumps(cases)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_platform_case_has_the_cycle_counts_recorded_in_platform_md(scalesim_runs):
    first = {run["dataflow"]: run["cycles"] for run in scalesim_runs[:3]}
    assert first == {"os": 4031, "ws": 3551, "is": 2799}


@pytest.mark.parametrize("index", range(len(GEMMS) * 3))
def test_cycles_and_utilization_equal_scalesim(scalesim_runs, index):
    run = scalesim_runs[index]
    rng = np.random.default_rng(index)
    A, B = rng.integers(-8, 8, (run["M"], run["K"])), rng.integers(-8, 8, (run["K"], run["N"]))
    C, stats = systolic.simulate(A, B, run["rows"], run["cols"], run["dataflow"])
    assert np.array_equal(C, A @ B)
    assert run["stall_cycles"] == 0  # compute cycles alone, as our simulator counts them
    assert stats.cycles == run["cycles"], run
    assert stats.utilization == pytest.approx(run["utilization"], abs=1e-6)
    assert systolic.estimate(run["M"], run["N"], run["K"], run["rows"], run["cols"], run["dataflow"])[0] == run["cycles"]
