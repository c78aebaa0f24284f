"""`dlsys grade LAB SUBMISSIONS --cluster ADDRESS`: the same grading, spread over a Dask distributed cluster
(`dask scheduler`, `dask worker ADDRESS`). One Dask task per submission; it carries the bytes it needs (the lab's
source notebooks, the student's folder) and the grading edition of dlsys_lab is sent once to every worker, so
workers need no shared filesystem, only this repository's `autograder` importable and a sandbox of their own
(`dlsys doctor`). On a Dask worker a task is graded exactly as `dlsys grade` grades it locally: by a warm
pool.Worker (zygote, judge, sandbox), one per Dask thread, kept for the run.

Results are written by the client only, from the one result each task's future yields: a worker that dies
mid-submission has its tasks rescheduled by the scheduler on another worker (Dask's worker-death handling), and
the output holds one row per submission, never zero, never two."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path

from autograder.protocol import Status, SubmissionResult, Task

# on a Dask worker: run id -> {"folder": its temp folder, "package": grading edition, "workers": [pool.Worker]}
_RUNS: dict[str, dict] = {}
_RUNS_LOCK = threading.Lock()
_LOCAL = threading.local()


def pack_folder(folder: str) -> bytes:
    """A folder as gzip'd tar bytes (the grading edition sent to every worker)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return buffer.getvalue()


def bundle(task: Task) -> tuple[dict, dict[str, bytes]]:
    """A task's JSON with relative paths, and the bytes they name: the source notebooks and every file of each
    student folder."""
    files: dict[str, bytes] = {}
    sources = {}
    for name, path in task.source_notebooks.items():
        sources[name] = f"source/{name}"
        files[sources[name]] = Path(path).read_bytes()
    students, folders = {}, {}
    for name, path in sorted(task.student_notebooks.items()):
        folder = Path(path).parent
        if folder not in folders:
            folders[folder] = f"student/{len(folders)}"
            for item in sorted(folder.rglob("*")):
                if item.is_file() and not item.is_symlink():
                    files[f"{folders[folder]}/{item.relative_to(folder)}"] = item.read_bytes()
        students[name] = f"{folders[folder]}/{Path(path).name}"
    return dataclasses.replace(task, source_notebooks=sources, student_notebooks=students).to_json(), files


def grade_remote(task_json: dict, files: dict[str, bytes], run_id: str, package: bytes,
                 warm_modules: list[str]) -> dict:
    """Run on a Dask worker: unpack the task into a private folder and grade it in this thread's warm worker;
    returns the SubmissionResult's JSON."""
    from autograder import launcher, sandbox
    task = Task.from_json(task_json)
    run = _run(run_id, package)
    folder = Path(tempfile.mkdtemp(prefix="task-", dir=run["folder"]))
    try:
        for relative, data in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            target.write_bytes(data)
        local = dataclasses.replace(
            task, source_notebooks={n: str(folder / p) for n, p in task.source_notebooks.items()},
            student_notebooks={n: str(folder / p) for n, p in task.student_notebooks.items()},
            conf=launcher.conf_fields(sandbox.default_confinement(0, run["package"])))
        worker = _thread_worker(run_id, run, warm_modules)
        result, restart = worker.grade(local)
        if restart:             # as pool.grade_all: the next task gets a fresh worker
            with _RUNS_LOCK:
                run["workers"].remove(worker)
            worker.kill()
            _LOCAL.workers.pop(run_id, None)
        return result.to_json()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(run_id: str, package: bytes) -> dict:
    """This worker's state for a grading run: a private folder with the grading edition unpacked (once)."""
    with _RUNS_LOCK:
        if run_id not in _RUNS:
            folder = Path(tempfile.mkdtemp(prefix="dlsys-cluster-"))
            os.chmod(folder, 0o755)                       # the sandbox's uid reads the edition
            edition = folder / "edition"
            if package:
                with tarfile.open(fileobj=io.BytesIO(package), mode="r:gz") as tar:
                    tar.extractall(edition, filter="data")
            _RUNS[run_id] = {"folder": str(folder), "package": str(edition) if package else None, "workers": []}
        return _RUNS[run_id]


def _thread_worker(run_id: str, run: dict, warm_modules: list[str]):
    """The warm pool.Worker of this Dask thread for this run, started on first use."""
    from autograder import pool
    workers = _LOCAL.__dict__.setdefault("workers", {})
    if run_id not in workers:
        workers[run_id] = pool.Worker(0, warm_modules, run["package"])
        with _RUNS_LOCK:
            run["workers"].append(workers[run_id])
    return workers[run_id]


def release_run(run_id: str) -> None:
    """Run on every Dask worker at the end: stop the run's warm workers and remove its folder."""
    with _RUNS_LOCK:
        run = _RUNS.pop(run_id, None)
    if run:
        for worker in run["workers"]:
            worker.close()
        shutil.rmtree(run["folder"], ignore_errors=True)


def grade_all(tasks: list[Task], address: str, warm_modules: list[str], on_done=None,
              package_dir: str | None = None) -> dict[str, SubmissionResult]:
    """pool.grade_all on a Dask cluster: results by task_id, on_done(task_id, result) as they arrive."""
    from distributed import Client, as_completed
    run_id = uuid.uuid4().hex
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        from autograder.course import CourseError
        raise CourseError(f"no Dask scheduler at {address} ({exc}); start one with `dask scheduler` and workers "
                          "with `dask worker ADDRESS`") from None
    results: dict[str, SubmissionResult] = {}
    with client:
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            from autograder.course import CourseError
            raise CourseError(f"the Dask scheduler at {address} has no workers; start some with "
                              f"`dask worker {address}`") from None
        package = client.scatter(pack_folder(package_dir), broadcast=True, hash=False) if package_dir else b""
        futures = {client.submit(grade_remote, *bundle(task), run_id, package, warm_modules, pure=False,
                                 key=f"dlsys-grade-{task.task_id}-{run_id}"): task.task_id for task in tasks}
        try:
            for future in as_completed(futures):
                try:
                    result = SubmissionResult.from_json(future.result())
                except Exception as exc:  # noqa: BLE001 - recorded for that submission, never raised
                    result = SubmissionResult(futures[future], status=Status.GRADER,
                                              detail=f"on the cluster: {type(exc).__name__}: {exc}")
                results[futures[future]] = result
                if on_done:
                    on_done(futures[future], result)
        finally:
            with contextlib.suppress(Exception):
                client.run(release_run, run_id)
    return results


@contextlib.contextmanager
def local_cluster(workers: int, env: dict | None = None, threads: int = 1):
    """A Dask scheduler and `workers` worker processes on this machine (for tests and the benchmark); yields the
    scheduler's address and {worker address: pid}. Everything started is stopped at the end."""
    bin_dir = Path(sys.executable).parent
    env = dict(env or os.environ)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    processes = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)]
    try:
        for _ in range(workers):
            processes.append(subprocess.Popen(
                [str(bin_dir / "dask"), "worker", address, "--nthreads", str(threads), "--no-nanny",
                 "--no-dashboard", "--host", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        from distributed import Client
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
            pids = client.run(os.getpid)
        yield address, pids
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 9)
                process.wait()
