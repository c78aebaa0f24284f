"""Run a function in world_size processes with torch.distributed initialized on loopback.

Failures come back as WorkerError carrying the failing rank's traceback (or its stack, if it hung).
"""
from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import pickle
import queue
import signal
import socket
import tempfile
import time
import traceback
from datetime import timedelta
from pathlib import Path

import cloudpickle

from dlsys_lab import student

LOOPBACK = "127.0.0.1"
STARTUP_S = 60  # allowance for spawning and importing torch, before the timeout starts


class WorkerError(RuntimeError):
    """A worker raised, or the launch timed out; the message holds the rank's traceback."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def launch(fn, world_size: int, *args, backend: str = "gloo", timeout: float = 60):
    """Run fn(rank, world_size, *args) in world_size processes; return the results in rank order."""
    if world_size < 1:
        raise ValueError(f"world_size must be at least 1, got {world_size}")
    # notebook-defined functions travel by value, and so do the student's registered pieces of dlsys_lab
    payload = cloudpickle.dumps((fn, args, student.registrations()))
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dlsys-launch-") as stacks_dir:
        workers = [ctx.Process(target=_worker_main, daemon=True,
                               args=(rank, world_size, port, backend, timeout, payload, results, stacks_dir))
                   for rank in range(world_size)]
        for w in workers:
            w.start()
        try:
            return _collect(workers, results, world_size, timeout, Path(stacks_dir))
        finally:
            _stop(workers)


def _collect(workers, results, world_size, timeout, stacks_dir):
    """Gather one value per rank; raise on the first error, a dead worker, or the deadline.

    The timeout counts from the moment the last worker has started (imported torch, joined the group).
    """
    values, started = {}, set()
    deadline = time.monotonic() + STARTUP_S + timeout
    while len(values) < world_size:
        try:
            rank, status, blob = results.get(timeout=0.2)
        except queue.Empty:
            dead = [r for r, w in enumerate(workers) if r not in values and w.exitcode is not None]
            if dead and results.empty():
                raise WorkerError(f"rank {dead[0]} exited with code {workers[dead[0]].exitcode} "
                                  "without returning (killed, or out of memory?)")
            if time.monotonic() > deadline:
                raise WorkerError(_hang_report(workers, values, timeout, stacks_dir))
            continue
        if status == "started":
            started.add(rank)
            if len(started) == world_size:
                deadline = time.monotonic() + timeout
        elif status == "error":
            raise WorkerError(f"rank {rank} raised:\n{blob}")
        else:
            values[rank] = pickle.loads(blob)
    return [values[r] for r in range(world_size)]


def _hang_report(workers, values, timeout, stacks_dir):
    """Ask every unfinished worker to dump its stack, and return them as one message."""
    hung = [r for r in range(len(workers)) if r not in values]
    for r in hung:
        if workers[r].pid is not None and workers[r].exitcode is None:
            os.kill(workers[r].pid, signal.SIGUSR1)
    time.sleep(1.0)
    stacks = "\n".join(f"--- rank {r} stack ---\n{_read(stacks_dir / f'rank{r}.txt')}" for r in hung)
    return (f"timed out after {timeout} s; ranks {hung} did not finish "
            f"(raise the timeout if the work is just slow)\n{stacks}")


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else "(no stack dumped)"


def _stop(workers):
    """Terminate workers still running and reap them all."""
    for w in workers:
        if w.exitcode is None:
            w.terminate()
    for w in workers:
        w.join(timeout=5)
        if w.exitcode is None:
            w.kill()
            w.join()


def _worker_main(rank, world_size, port, backend, timeout, payload, results, stacks_dir):
    """Inside a worker: join the group, run the function, report the value or the traceback."""
    stack_file = open(Path(stacks_dir) / f"rank{rank}.txt", "w")
    faulthandler.register(signal.SIGUSR1, file=stack_file, all_threads=True)
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    os.environ.update(MASTER_ADDR=LOOPBACK, MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    try:
        dist.init_process_group(backend, init_method=f"tcp://{LOOPBACK}:{port}", rank=rank,
                                world_size=world_size, timeout=timedelta(seconds=timeout))
        fn, args, registrations = cloudpickle.loads(payload)
        student.restore(registrations)
        results.put((rank, "started", None))
        value = fn(rank, world_size, *args)
        results.put((rank, "ok", pickle.dumps(value)))
    except BaseException:
        results.put((rank, "error", traceback.format_exc()))
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
