"""The grading pool seen from the command: N warm workers, each grading one submission at a time,
results handed back as they finish."""
from __future__ import annotations

import fcntl
import json
import os
import signal
import tempfile
import time
import queue
import subprocess
import sys
import threading

from autograder import wire
from autograder.protocol import Status, SubmissionResult, Task
from autograder.sandbox import PASSED_ENV, THREAD_VARS, kill_uid
from autograder.zygote import read_frame, write_frame

BASE_UID = 61000
UID_SLOTS = 4096
UID_LOCKS = os.path.join(tempfile.gettempdir(), "dlsys-grader-uids" + (f"-{os.geteuid()}" if os.geteuid() else ""))
# the grader's variables a worker (the trusted judge) keeps; student code gets even fewer (sandbox.sandbox_env)
WORKER_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR",
              *PASSED_ENV)
GRACE_S = 60                   # a judge's time beyond the notebook timeout before its worker is replaced


def worker_env(package_dir: str | None = None) -> dict[str, str]:
    """A worker's environment: a whitelist of the grader's, one thread per library; with package_dir (the
    grading edition of dlsys_lab) first on PYTHONPATH, so the worker never imports the reference regions."""
    env = {name: os.environ[name] for name in WORKER_ENV if name in os.environ}
    if package_dir:
        env["PYTHONPATH"] = os.pathsep.join([package_dir] + [p for p in [env.get("PYTHONPATH")] if p])
    return dict(env, MPLBACKEND="Agg", **{v: "1" for v in THREAD_VARS})


class UidLease:
    """A sandbox uid held exclusively (by a file lock) for as long as one worker lives, so concurrent
    grading runs never share a uid: each kills every process of its uid after a notebook."""

    def __init__(self):
        os.makedirs(UID_LOCKS, mode=0o700, exist_ok=True)
        for slot in range(UID_SLOTS):
            fd = os.open(os.path.join(UID_LOCKS, str(slot)), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.fd, self.uid = fd, BASE_UID + slot
            return
        raise RuntimeError(f"all {UID_SLOTS} sandbox uids are in use; wait for other grading runs to finish")

    @staticmethod
    def leased(uid: int) -> bool:
        """True while some grading process holds `uid`."""
        try:
            fd = os.open(os.path.join(UID_LOCKS, str(uid - BASE_UID)), os.O_RDWR)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def release(self) -> None:
        """Give the uid back (also happens when the process exits)."""
        os.close(self.fd)


class Worker:
    """One warm worker subprocess (autograder.zygote)."""

    def __init__(self, index: int, warm_modules: list[str], package_dir: str | None = None):
        self.index, self.lease = index, UidLease()
        self.uid = self.lease.uid
        kill_uid(self.uid)  # leftovers of a grader that died while holding this uid
        self.process = subprocess.Popen([sys.executable, "-m", "autograder.zygote", json.dumps(warm_modules),
                                         str(self.uid)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=worker_env(package_dir), cwd="/", bufsize=0, start_new_session=True)
        try:
            ready = read_frame(self.process.stdout.fileno(), None)
        except (wire.ChannelClosed, ValueError):
            ready = None
        if not ready:
            raise RuntimeError("a grading worker failed to start; run `python -m autograder.zygote` to see why")

    def grade(self, task: Task) -> tuple[SubmissionResult, bool]:
        """Send a task, wait for its result; also whether the worker must be replaced (it did not answer in
        time, or died)."""
        budget = task.limits.notebook_timeout + GRACE_S
        try:
            write_frame(self.process.stdin.fileno(), task.to_json())
            message = read_frame(self.process.stdout.fileno(), time.monotonic() + budget)
            if message:
                result = SubmissionResult.from_json(message)
                result.task_id = task.task_id   # a judge that died did not know it
                return result, False
            detail = "a grading worker died"
        except wire.ChannelTimeout:
            detail = "the judge did not finish in time"
        except (OSError, ValueError, KeyError, wire.ChannelClosed) as exc:
            detail = str(exc)
        return SubmissionResult(task.task_id, status=Status.GRADER, detail=detail), True

    def kill(self) -> None:
        """Kill the worker and everything it forked at once."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.close()

    def close(self) -> None:
        """Stop the worker (and everything it forked) and wait for it."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.lease.release()


def grade_all(tasks: list[Task], jobs: int, warm_modules: list[str], on_done=None,
              package_dir: str | None = None) -> dict[str, SubmissionResult]:
    """Grade tasks in `jobs` workers; returns results by task_id; on_done(task_id, result) as they finish."""
    pending: queue.Queue = queue.Queue()
    for task in tasks:
        pending.put(task)
    results: dict[str, SubmissionResult] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        worker = Worker(index, warm_modules, package_dir)
        try:
            while True:
                try:
                    task = pending.get_nowait()
                except queue.Empty:
                    return
                result, restart = worker.grade(task)
                if restart:
                    worker.kill()
                    worker = Worker(index, warm_modules, package_dir)
                with lock:
                    results[task.task_id] = result
                    if on_done:
                        on_done(task.task_id, result)
        finally:
            worker.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(max(1, min(jobs, len(tasks))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
