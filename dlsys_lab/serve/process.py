"""Start `python -m dlsys_lab.serve` as a child process on a free loopback port, and stop it (tests, benchmarks)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .schemas import ServeSummary

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server for `model` with the given command-line options; a context manager that always stops it.

    ServerProcess("mlp.onnx", max_batch=32, runtime="onnxruntime") runs
    python -m dlsys_lab.serve mlp.onnx --host 127.0.0.1 --port <free> --max-batch 32 --runtime onnxruntime."""

    def __init__(self, model, startup_timeout_s: float = 120.0, **options):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        flags = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
        self._log = tempfile.TemporaryFile(mode="w+")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dlsys_lab.serve", str(model), "--host", "127.0.0.1", "--port", str(self.port),
             *flags], stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self._wait_ready(startup_timeout_s)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within {timeout_s} s:\n{self.output()}")

    def output(self) -> str:
        """Everything the server printed so far."""
        if self._log.closed:
            return self._final_output
        self._log.seek(0)
        return self._log.read()

    def terminate(self) -> None:
        """Send SIGTERM: the server stops accepting, answers what it accepted, and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout_s: float = 30.0) -> ServeSummary | None:
        """SIGTERM, wait (SIGKILL after timeout_s); the server's summary, or None if it printed none."""
        self.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        try:
            return ServeSummary.from_output(self.output())
        except StopIteration:
            return None

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        self._final_output = self.output()
        self._log.close()
