"""The grading pool seen from the command: N warm workers, each grading one submission at a time,
results handed back as they finish."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading

from autograder.zygote import THREAD_VARS

BASE_UID = 61000


class Worker:
    """One warm worker subprocess (autograder.zygote)."""

    def __init__(self, index: int, warm_modules: list[str]):
        env = dict(os.environ, MPLBACKEND="Agg", **{v: "1" for v in THREAD_VARS})
        self.index, self.uid = index, BASE_UID + index
        self.process = subprocess.Popen([sys.executable, "-m", "autograder.zygote", json.dumps(warm_modules)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
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


def grade_all(tasks: list[dict], jobs: int, warm_modules: list[str], on_done=None) -> dict[str, dict]:
    """Grade tasks in `jobs` workers; returns results by task_id; on_done(task_id, result) as they finish."""
    pending: queue.Queue = queue.Queue()
    for task in tasks:
        pending.put(task)
    results: dict[str, dict] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        worker = Worker(index, warm_modules)
        try:
            while True:
                try:
                    task = pending.get_nowait()
                except queue.Empty:
                    return
                result = worker.grade(task)
                if "grader error: a grading worker died" in result.get("error", ""):
                    worker.close()
                    worker = Worker(index, warm_modules)
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
