"""`dlsys doctor`: what this machine has for the course, and the fix for whatever is missing.

Each check returns a Finding; required findings that fail make the command exit 1.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from dlsys_lab.notebooks import KERNEL_NAME, MXNET_KERNEL_NAME

SETUP_FIX = "run `make lab` (or `make test`) at the repository root"

# distribution name -> what it is for in the course (all required in .venv)
FRAMEWORKS = {
    "numpy": "arrays", "torch": "PyTorch", "tensorflow-cpu": "TensorFlow (CPU)", "keras": "Keras 3",
    "jax": "JAX", "flax": "Flax", "optax": "optax", "scikit-learn": "datasets (digits)",
    "jupyterlab": "JupyterLab", "nbgrader": "nbgrader", "ipywidgets": "widgets",
    "matplotlib": "plots", "onnx": "ONNX", "onnxruntime": "ONNX Runtime"
}


@dataclass
class Finding:
    """One line of the report: a check, what was found, whether it passed, and the fix if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def check_python() -> Finding:
    """Python 3.10 to 3.13."""
    version = platform.python_version()
    ok = (3, 10) <= sys.version_info[:2] <= (3, 13)
    return Finding("python", ok, f"{version} at {sys.executable}",
                   "" if ok else "install Python 3.10-3.13 (3.11 recommended), then `make clean lab`")


def check_framework(dist: str, purpose: str) -> Finding:
    """An installed distribution, by its metadata (no import)."""
    try:
        return Finding(dist, True, f"{metadata.version(dist)} ({purpose})")
    except metadata.PackageNotFoundError:
        return Finding(dist, False, f"not installed ({purpose})", SETUP_FIX)


def check_keras_backend() -> Finding:
    """The backend Keras 3 will use (KERAS_BACKEND, else ~/.keras/keras.json, else tensorflow)."""
    import os
    backend = os.environ.get("KERAS_BACKEND")
    source = "KERAS_BACKEND"
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    if not backend and config.exists():
        try:
            backend, source = json.loads(config.read_text()).get("backend"), str(config)
        except (OSError, ValueError):
            return Finding("keras backend", False, f"{config} is not valid JSON", f"fix or delete {config}")
    backend, source = backend or "tensorflow", source if backend else "default"
    ok = backend in ("tensorflow", "jax", "torch", "numpy")
    return Finding("keras backend", ok, f"{backend} (from {source})",
                   "" if ok else "set KERAS_BACKEND to tensorflow, jax or torch")


def check_compiler() -> Finding:
    """A C++ compiler for our CPU kernels."""
    import os
    cxx = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
    if not cxx:
        return Finding("c++ compiler", False, "none found", "install g++ (Debian/Ubuntu: apt-get install g++)")
    first = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    return Finding("c++ compiler", True, f"{cxx}: {first[0] if first else '?'}")


def check_ninja() -> Finding:
    """ninja, which torch.utils.cpp_extension builds with."""
    ninja = shutil.which("ninja", path=str(Path(sys.executable).parent)) or shutil.which("ninja")
    if not ninja:
        return Finding("ninja", False, "not found", SETUP_FIX)
    version = subprocess.run([ninja, "--version"], capture_output=True, text=True).stdout.strip()
    return Finding("ninja", True, f"{version} at {ninja}")


def check_cuda() -> Finding:
    """CUDA as PyTorch sees it, and nvcc; optional (the course runs on CPU)."""
    import torch
    nvcc = shutil.which("nvcc")
    if torch.cuda.is_available():
        detail = f"{torch.cuda.get_device_name(0)}, torch CUDA {torch.version.cuda}"
    elif torch.version.cuda is None:
        detail = "torch is a CPU build (GPU labs skip)"
    else:
        detail = f"torch built with CUDA {torch.version.cuda} but no GPU visible"
    detail += f"; nvcc: {nvcc or 'not found'}"
    return Finding("cuda", True, detail, required=False)


def check_kernelspecs(kernel_specs: dict[str, str]) -> list[Finding]:
    """The Jupyter kernels the course's notebooks name."""
    wanted = {KERNEL_NAME: SETUP_FIX, MXNET_KERNEL_NAME: "run `make mxnet` (builds .venv-mxnet and its kernel)"}
    return [Finding(f"kernel {name}", name in kernel_specs,
                    kernel_specs.get(name, "not registered"), "" if name in kernel_specs else fix)
            for name, fix in wanted.items()]


def check_mxnet(kernel_specs: dict[str, str]) -> Finding:
    """MXNet imports in the interpreter its kernel names."""
    spec_dir = kernel_specs.get(MXNET_KERNEL_NAME)
    fix = "run `make mxnet` (MXNet 1.9.1 with NumPy 1.23.5 in .venv-mxnet)"
    if not spec_dir:
        return Finding("mxnet", False, "no kernel registered", fix)
    argv = json.loads((Path(spec_dir) / "kernel.json").read_text())["argv"]
    probe = subprocess.run([argv[0], "-c", "import mxnet, numpy; print(mxnet.__version__, numpy.__version__)"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return Finding("mxnet", False, f"{argv[0]} cannot import mxnet: {last}", fix)
    mx_version, np_version = probe.stdout.split()
    return Finding("mxnet", True, f"{mx_version} with NumPy {np_version} ({argv[0]})")


def check_cntk() -> Finding:
    """CNTK: history only; no build installs on a supported Python."""
    return Finding("cntk", True, "no installable build for Python 3.8+; covered as history, via ONNX",
                   required=False)


KERNELS_FIX = "run `make kernels` (see the line above for the cause)"


def check_sandbox() -> Finding:
    """Which grading sandbox `dlsys grade` gets on this machine (autograder/SECURITY.md); instructors only."""
    try:
        from autograder import sandbox
    except ImportError:
        return Finding("grading sandbox", False, "autograder not importable (a student install)", required=False)
    kind = sandbox.kind()
    detail = {"root": "root sandbox (namespaces, a throwaway uid)",
              "rootless": "sandbox without root (an unprivileged user namespace)"}.get(kind, "none")
    return Finding("grading sandbox", bool(kind), detail, "" if kind else (
        "run `dlsys grade` as root, or enable unprivileged user namespaces (sysctl user.max_user_namespaces, "
        "kernel.apparmor_restrict_unprivileged_userns=0); without either it refuses unless --no-sandbox"),
        required=False)


def cuda_fix(torch_cuda: str | None, gpu_visible: bool) -> str:
    """The fix for a cuda backend that is not usable: building kernels helps only where torch has CUDA and a GPU."""
    if torch_cuda is None:
        return ("none needed for the course (CPU); the GPU parts need a machine with an NVIDIA GPU and a CUDA "
                "build of torch: `make clean setup TORCH_SPEC=...` (README, \"Other machines\")")
    if not gpu_visible:
        return "none needed for the course (CPU); the GPU parts need an NVIDIA GPU that torch sees (check nvidia-smi)"
    return KERNELS_FIX


def check_backends() -> list[Finding]:
    """Which dlsys_lab array backends are built and usable (cuda is optional)."""
    import torch

    from dlsys_lab.nd import all_devices
    findings = []
    for dev in all_devices():
        ok = dev.available()
        fix = cuda_fix(torch.version.cuda, torch.cuda.is_available()) if dev.name == "cuda" else KERNELS_FIX
        findings.append(Finding(f"backend {dev.name}", ok, dev.status(), "" if ok else fix,
                                required=dev.name != "cuda"))
    return findings


def find_kernel_specs() -> dict[str, str]:
    """Registered Jupyter kernels: name -> spec folder."""
    from jupyter_client.kernelspec import KernelSpecManager
    return KernelSpecManager().find_kernel_specs()


def run_checks() -> list[Finding]:
    """Every check, in report order."""
    specs = find_kernel_specs()
    return [check_python(), *(check_framework(d, p) for d, p in FRAMEWORKS.items()), check_keras_backend(),
            check_compiler(), check_ninja(), check_cuda(), *check_kernelspecs(specs), check_mxnet(specs),
            check_cntk(), *check_backends(), check_sandbox()]


def render(findings: list[Finding]) -> str:
    """The report as aligned text lines with OK / FAIL / info marks and fixes."""
    width = max(len(f.name) for f in findings)
    lines = []
    for f in findings:
        mark = "ok  " if f.ok else ("FAIL" if f.required else "info")
        lines.append(f"[{mark}] {f.name:<{width}}  {f.detail}")
        if not f.ok and f.fix:
            lines.append(f"       {'':<{width}}  fix: {f.fix}")
    failed = [f.name for f in findings if f.required and not f.ok]
    lines.append("")
    lines.append("all required checks passed" if not failed else f"{len(failed)} required check(s) failed: "
                 + ", ".join(failed))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the report; exit 1 when a required check fails."""
    parser = argparse.ArgumentParser(prog="dlsys doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    args = parser.parse_args(argv)
    findings = run_checks()
    if args.json:
        print(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        from dlsys_lab.kernels import report
        print(render(findings))
        print("\nkernel builds:\n  " + report().replace("\n", "\n  "))
    return 1 if any(f.required and not f.ok for f in findings) else 0
