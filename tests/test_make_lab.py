"""`make lab` serves JupyterLab on 127.0.0.1 with the course's kernels and nbgrader's extensions."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "dlsys-lab-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.mark.slow
def test_make_lab_serves_jupyterlab_with_the_course_kernels():
    port = free_port()
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS=--IdentityProvider.token={TOKEN}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = get_json(f"{base}/api/status?token={TOKEN}")
                break
            except OSError:
                time.sleep(0.5)
        assert status is not None, f"JupyterLab did not answer on {base}"
        kernels = get_json(f"{base}/api/kernelspecs?token={TOKEN}")["kernelspecs"]
        assert {"dlsys-lab", "mxnet-legacy"} <= set(kernels)
        assert kernels["mxnet-legacy"]["spec"]["display_name"] == "MXNet 1.9 (legacy)"
        with urllib.request.urlopen(f"{base}/lab?token={TOKEN}", timeout=10) as page:
            assert page.status == 200
        with urllib.request.urlopen(f"{base}/formgrader?token={TOKEN}", timeout=30) as page:
            assert page.status == 200  # nbgrader's server extension is loaded
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
