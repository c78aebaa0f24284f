"""The `dlsys` command: usage, unknown subcommands, and `dlsys doctor`'s verdicts."""
import subprocess
import sys

import pytest

from dlsys_lab import cli, doctor


def test_no_arguments_prints_usage_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "usage: dlsys" in capsys.readouterr().out


def test_unknown_subcommand_prints_usage_and_exits_2(capsys):
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err and "doctor" in err


def test_python_dash_m_is_the_same_command():
    run = subprocess.run([sys.executable, "-m", "dlsys_lab", "--help"], capture_output=True, text=True)
    assert run.returncode == 0
    assert all(name in run.stdout for name in cli.SUBCOMMANDS)


@pytest.mark.slow
def test_doctor_passes_on_a_set_up_machine():
    run = subprocess.run([sys.executable, "-m", "dlsys_lab", "doctor"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("torch", "tensorflow-cpu", "keras backend", "jax", "mxnet", "kernel dlsys-lab", "backend cpu"):
        assert name in run.stdout


def test_doctor_names_the_fix_when_the_mxnet_kernel_is_missing(monkeypatch, capsys):
    specs = {name: path for name, path in doctor.find_kernel_specs().items() if name != "mxnet-legacy"}
    monkeypatch.setattr(doctor, "find_kernel_specs", lambda: specs)
    assert doctor.main([]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] kernel mxnet-legacy" in out and "make mxnet" in out


def test_doctor_names_the_fix_when_a_framework_is_missing(monkeypatch):
    def missing(dist):
        raise doctor.metadata.PackageNotFoundError(dist)
    monkeypatch.setattr(doctor.metadata, "version", missing)
    finding = doctor.check_framework("jax", "JAX")
    assert not finding.ok and "make lab" in finding.fix


def test_doctor_rejects_an_unknown_keras_backend(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "cntk")
    finding = doctor.check_keras_backend()
    assert not finding.ok and "KERAS_BACKEND" in finding.fix


def test_doctor_advises_make_kernels_for_cuda_only_where_it_can_help():
    assert "TORCH_SPEC" in doctor.cuda_fix(None, False) and "make kernels" not in doctor.cuda_fix(None, False)
    assert "nvidia-smi" in doctor.cuda_fix("12.8", False)
    assert doctor.cuda_fix("12.8", True) == doctor.KERNELS_FIX
    cuda = next(f for f in doctor.check_backends() if f.name == "backend cuda")
    if not cuda.ok and __import__("torch").version.cuda is None:
        assert cuda.fix == doctor.cuda_fix(None, False)
