"""The sandbox template and the processes it forks. A warm worker forks the template before it reads any
task, so no sandbox can find another submission's task, tests or result in its memory; the judge asks the
template over a socket for a sandbox per notebook and gets the two pipe ends of its channel back.

Each sandbox is three processes: `outer` (root, in the worker's PID namespace: creates the namespaces and
waits), `init` (PID 1 of a fresh PID namespace: builds the filesystem view, reaps; when it ends, the kernel
kills every process left in the namespace, whatever its state) and `server` (the student's process, under
the throwaway uid). Stopping a sandbox is SIGTERM to outer, which SIGKILLs init and returns only when the
namespace is empty."""
from __future__ import annotations

import os
import signal
import socket
import struct
import tempfile
import time
from pathlib import Path

from autograder import sandbox, student_side, wire
from autograder.protocol import SandboxStart, Task

MAX_EXTRA_BYTES = 32 << 20


class Sandboxes:
    """The judge's handle on the template: start one sandbox at a time, stop it, learn how it ended."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def start(self, folder: Path, task: Task) -> tuple[int, int]:
        """A new sandbox for the notebook in folder; returns the judge's (read fd, write fd) of its channel."""
        files = {} if not task.sandbox else extra_files(folder)
        request = SandboxStart(str(folder), task.limits, task.sandbox, task.conf, list(files))
        wire.send(self.sock.fileno(), request.to_json(), list(files.values()))
        _, fds, _, _ = socket.recv_fds(self.sock, 64, 2)
        if len(fds) != 2:
            raise RuntimeError("the sandbox template did not start a sandbox")
        return fds[0], fds[1]

    def stop(self, patience: float) -> str:
        """Stop the running sandbox (after waiting up to patience seconds for it to end by itself); returns
        how it had ended by itself ("" when it had to be killed)."""
        wire.send(self.sock.fileno(), {"op": "stop", "patience": patience})
        header, _ = wire.receive(self.sock.fileno())
        return str(header.get("exit", ""))


def extra_files(folder: Path) -> dict[str, bytes]:
    """The submission's other files (data, helper modules), copied into the sandbox's scratch folder."""
    files, total = {}, 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb":
            total += path.stat().st_size
            if total > MAX_EXTRA_BYTES:
                break
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def serve_template(sock: socket.socket, uid: int | None) -> None:
    """The template's loop: start and stop sandboxes until the judge hangs up. Never returns."""
    running = None
    while True:
        try:
            header, blobs = wire.receive(sock.fileno())
        except (wire.ChannelClosed, wire.ProtocolError):
            if running:
                stop(running, 0.0, uid)
            os._exit(0)
        if header["op"] == "start":
            running, fds = spawn(SandboxStart.from_json(header), blobs, uid)
            socket.send_fds(sock, [b"ok"], list(fds))
            for fd in fds:
                os.close(fd)
        else:
            cause = stop(running, float(header["patience"]), uid) if running else ""
            running = None
            wire.send(sock.fileno(), {"exit": cause})


def spawn(request: SandboxStart, blobs: list[bytes], uid: int | None) -> tuple[int, tuple[int, int]]:
    """Fork outer; returns its pid and the judge's ends of the channel."""
    to_student_r, to_student_w = os.pipe()
    to_judge_r, to_judge_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _outer(to_student_r, to_judge_w, request, dict(zip(request.names, blobs)), uid)
    os.close(to_student_r)
    os.close(to_judge_w)
    return pid, (to_judge_r, to_student_w)


def stop(pid: int, patience: float, uid: int | None) -> str:
    """Wait up to patience for outer to end by itself, else SIGTERM it (it kills its namespace and returns
    once the namespace is empty); then sweep the uid. Returns how it ended by itself, or ""."""
    give_up = time.monotonic() + patience
    ended, status = os.waitpid(pid, os.WNOHANG)
    while not ended and time.monotonic() < give_up:
        time.sleep(0.02)
        ended, status = os.waitpid(pid, os.WNOHANG)
    if not ended:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    if uid is not None:
        sandbox.kill_uid(uid)
    return describe_exit(status) if ended else ""


def describe_exit(status: int) -> str:
    """A wait status in words."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = {signal.SIGXCPU: "CPU time limit", signal.SIGXFSZ: "output size limit",
               signal.SIGKILL: "killed, likely out of memory", signal.SIGSEGV: "segmentation fault"}
        return f"{why.get(sig, 'signal')} ({signal.Signals(sig).name})"
    return f"the notebook's process exited with code {os.WEXITSTATUS(status)}"


def _outer(read_fd: int, write_fd: int, request: SandboxStart, files: dict[str, bytes], uid) -> None:
    """Create the namespaces, fork init, wait for it, end the way the student's process ended."""
    try:
        os.setsid()
        sandbox.die_with_parent()
        student_side.close_other_fds([read_fd, write_fd])
        if request.sandbox:
            sandbox.enter_namespaces(uid)
        status_r, status_w = os.pipe()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        init = os.fork()
        if init == 0:
            os.close(status_r)
            _init(read_fd, write_fd, status_w, request, files, uid)
        signal.signal(signal.SIGTERM, lambda *_: os.kill(init, signal.SIGKILL))
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        for fd in (read_fd, write_fd, status_w):
            os.close(fd)
        _, status = os.waitpid(init, 0)
        reported = os.read(status_r, 4)
        if len(reported) == 4:
            (status,) = struct.unpack("i", reported)
        exit_like(status)
    except BaseException:  # noqa: BLE001 - a failure to build the sandbox ends it
        os._exit(71)


def exit_like(status: int) -> None:
    """End this process as status says: the same signal, or the same exit code."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 71)


def _init(read_fd, write_fd, status_w, request: SandboxStart, files, uid) -> None:
    """PID 1 of the sandbox: filesystem view, fork the student's process, reap everything, report its status."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        sandbox.die_with_parent()
        limits = request.limits
        conf = sandbox.Confinement(uid=uid, **request.conf) if request.sandbox else None
        if conf:
            sandbox.build_root(conf, limits, files)
        server = os.fork()
        if server == 0:
            os.close(status_w)
            _server(read_fd, write_fd, conf, limits, Path(request.folder))
        os.close(read_fd)
        os.close(write_fd)
        while True:
            pid, status = os.wait()
            if pid == server:
                os.write(status_w, struct.pack("i", status))
                os._exit(0)
    except BaseException:  # noqa: BLE001 - a failure to build the sandbox ends it
        os._exit(72)


def _server(read_fd, write_fd, conf, limits, folder: Path) -> None:
    """The student's process: confined, it serves the judge. Never returns."""
    code = 0
    try:
        sandbox.die_with_parent()
        if conf:
            sandbox.drop_privileges(conf, limits)
            log = os.open(f"{sandbox.OUTPUT_DIR}/output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        else:  # validate: run beside the student's notebook, but leave nothing in their folder
            os.chdir(folder)
            sandbox.apply_limits(limits)
            log, log_path = tempfile.mkstemp(prefix="dlsys-output-", suffix=".log")
            os.unlink(log_path)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        student_side.serve(read_fd, write_fd, limits.output_mb << 20)
    except BaseException:  # noqa: BLE001 - the student's process broke down
        code = 70
    os._exit(code)


def conf_fields(conf: sandbox.Confinement) -> dict:
    """A Confinement as the JSON fields a task carries (the uid comes from the worker)."""
    return {"package_root": conf.package_root, "packages": list(conf.packages), "readable": list(conf.readable)}
