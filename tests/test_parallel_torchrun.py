"""The torchrun entry point trains with every rank ending on the same weights."""
import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_torchrun_entry_point_on_two_local_processes():
    env = dict(os.environ, GLOO_SOCKET_IFNAME="lo")
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                          "-m", "dlsys_lab.parallel.torchrun", "--variant", "bucketed-ring", "--steps", "5"],
                         capture_output=True, text=True, env=env, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "bucketed-ring on 2 ranks" in run.stdout and "weights equal on all ranks: True" in run.stdout


def test_entry_point_outside_torchrun_says_how_to_run_it():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    run = subprocess.run([sys.executable, "-m", "dlsys_lab.parallel.torchrun"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 2 and "torch.distributed.run" in run.stderr
