"""The torchrun entry point trains with every rank ending on the same weights."""
import os
import subprocess
import sys

import pytest

from dlsys_lab.parallel.torchrun import main


@pytest.mark.slow
def test_torchrun_entry_point_on_two_local_processes():
    env = dict(os.environ, GLOO_SOCKET_IFNAME="lo")
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                          "-m", "dlsys_lab.parallel.torchrun", "--variant", "bucketed-ring", "--steps", "5"],
                         capture_output=True, text=True, env=env, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "bucketed-ring on 2 ranks" in run.stdout and "weights equal on all ranks: True" in run.stdout


def test_entry_point_outside_torchrun_says_how_to_run_it(monkeypatch, capsys):
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2 and "torch.distributed.run" in capsys.readouterr().err
