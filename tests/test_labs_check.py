"""`dlsys check` for every lab under source/: the solution scores full marks, the blank release 0,
and every graded test is failed by at least one of the lab's mutants."""
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import labs

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("lab", labs(REPO))
def test_lab_passes_its_self_check(lab):
    done = subprocess.run([sys.executable, "-m", "dlsys_lab", "check", lab], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0].split() == ["lab", "tests", "mutants", "caught", "verdict"]
    assert done.stdout.splitlines()[1].split()[-1] == "ok"
