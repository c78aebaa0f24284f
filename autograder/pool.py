"""The grading pool seen from the command: N warm workers, each grading one submission at a time,
results handed back as they finish."""
from __future__ import annotations

import fcntl
import json
import os
import tempfile
import queue
import subprocess
import sys
import threading

from autograder.sandbox import kill_uid
from autograder.zygote import THREAD_VARS

BASE_UID = 61000
UID_SLOTS = 4096
UID_LOCKS = os.path.join(tempfile.gettempdir(), "dlsys-grader-uids")


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
        env = dict(os.environ, MPLBACKEND="Agg", **{v: "1" for v in THREAD_VARS})
        if package_dir:  # the grading edition of dlsys_lab, first on sys.path (as -m's folder) and for subprocesses
            env["PYTHONPATH"] = os.pathsep.join([package_dir] + [p for p in [env.get("PYTHONPATH")] if p])
        self.index, self.lease = index, UidLease()
        self.uid = self.lease.uid
        kill_uid(self.uid)  # leftovers of a grader that died while holding this uid
        self.process = subprocess.Popen([sys.executable, "-m", "autograder.zygote", json.dumps(warm_modules)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
                                        cwd=package_dir)
        ready = self.process.stdout.readline()
        if not ready:
            raise RuntimeError("a grading worker failed to start; run `python -m autograder.zygote` to see why")

    def grade(self, task: dict) -> dict:
        """Send a task, wait for its result."""
        task = dict(task, uid=self.uid)
        try:
            self.process.stdin.write(json.dumps(task) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
            return json.loads(line) if line else {"error": "grader error: a grading worker died"}
        except (OSError, ValueError) as exc:
            return {"error": f"grader error: {exc}"}

    def close(self) -> None:
        """Stop the worker and wait for it."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.lease.release()


def grade_all(tasks: list[dict], jobs: int, warm_modules: list[str], on_done=None,
              package_dir: str | None = None) -> dict[str, dict]:
    """Grade tasks in `jobs` workers; returns results by task_id; on_done(task_id, result) as they finish."""
    pending: queue.Queue = queue.Queue()
    for task in tasks:
        pending.put(task)
    results: dict[str, dict] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        worker = Worker(index, warm_modules, package_dir)
        try:
            while True:
                try:
                    task = pending.get_nowait()
                except queue.Empty:
                    return
                result = worker.grade(task)
                if "grader error: a grading worker died" in result.get("error", ""):
                    worker.close()
                    worker = Worker(index, warm_modules, package_dir)
                with lock:
                    results[task["task_id"]] = result
                    if on_done:
                        on_done(task["task_id"], result)
        finally:
            worker.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(max(1, min(jobs, len(tasks))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
