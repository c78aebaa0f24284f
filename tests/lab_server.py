"""JupyterLab started the way students and instructors start it (`make lab`), on a free loopback port, for the tests
that talk to it over HTTP, through a terminal or from a browser."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "dlsys-lab-test"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A running `make lab`: its base URL, process and log (the server's and its kernels' console)."""
    base: str
    process: subprocess.Popen
    log: Path

    def url(self, path: str) -> str:
        """path on the server, with the token."""
        return f"{self.base}{path}{'&' if '?' in path else '?'}token={TOKEN}"

    def get(self, path: str, timeout: float = 30):
        """(status, body text) of a GET."""
        with urllib.request.urlopen(self.url(path), timeout=timeout) as response:
            return response.status, response.read().decode()

    def get_json(self, path: str, timeout: float = 30):
        """The JSON a GET answers."""
        return json.loads(self.get(path, timeout)[1])

    def terminal(self, command: str, timeout: float = 30) -> str:
        """What `command` prints in a new JupyterLab terminal (the terminal's shell, as a student's)."""
        request = urllib.request.Request(self.url("/api/terminals"), method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            name = json.load(response)["name"]
        return asyncio.run(_terminal_output(self.url(f"/terminals/websocket/{name}").replace("http", "ws", 1),
                                            command, timeout))

    def stop(self) -> None:
        """Stop the server and everything make started."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


async def _terminal_output(ws_url: str, command: str, timeout: float, headers: dict | None = None) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect
    done = "__dlsys_done__"
    connection = await websocket_connect(HTTPRequest(ws_url, headers=headers or {}))
    connection.write_message(json.dumps(["stdin", f"{command}; echo {done[:6]}''{done[6:]}\r"]))
    output, deadline = "", time.monotonic() + timeout
    while done not in output and time.monotonic() < deadline:
        message = await asyncio.wait_for(connection.read_message(), deadline - time.monotonic())
        if message is None:
            break
        kind, *payload = json.loads(message)
        output += payload[0] if kind == "stdout" else ""
    connection.close()
    return output.split(done)[0]


def private_settings() -> dict[str, str]:
    """JupyterLab's user settings and workspaces in a temporary folder, with autosave off: a test never writes the
    outputs of a run into the course's notebooks, nor changes the settings of whoever runs it."""
    folder = Path(tempfile.mkdtemp(prefix="jupyterlab-settings-"))
    docmanager = folder / "settings" / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    docmanager.parent.mkdir(parents=True)
    docmanager.write_text(json.dumps({"autosave": False}))
    return {"JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces")}


def start(course: Path | None = None, timeout: float = 120) -> LabServer:
    """`make lab` on a free port, notebooks in fast mode (DLSYS_FAST=1); or, for a course copy (which has no venv of
    its own), the course's JupyterLab started in it with the environment `make lab` gives. Waits until the server
    answers (AssertionError with its log if it does not)."""
    port = free_port()
    args = [f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp for tests
    env = dict(os.environ, DLSYS_FAST="1", **private_settings())
    if course is None:
        command, cwd = ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS={' '.join(args)}"], ROOT
    else:
        venv, cwd = ROOT / ".venv", course
        command = [str(venv / "bin" / "jupyter"), "lab", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
                   f"--ServerApp.root_dir={course}", "--allow-root", *args]
        env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
                   JUPYTER_CONFIG_PATH=str(ROOT / "jupyter"))
    log = tempfile.NamedTemporaryFile("w+", prefix="make-lab-", suffix=".log", delete=False)
    process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, env=env)
    server = LabServer(f"http://127.0.0.1:{port}", process, Path(log.name))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            server.get("/api/status", timeout=5)
            return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise AssertionError(f"JupyterLab did not answer on {server.base}:\n{server.log.read_text()}")
