"""A workflow of named tasks on Dask distributed: retries for tasks that fail, a cache so finished tasks never rerun.

The same Workflow runs on a LocalCluster (threads or processes) or on a cluster's scheduler address
(`Client("tcp://host:8786")`): only the client changes. A task's cache key hashes its function, its
parameters and the keys of its inputs (like a Merkle tree), so changing one task reruns it and what
depends on it, and nothing else. The cache folder must be shared by the workers (a network file system
on a cluster).
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import cloudpickle


@dataclass
class Task:
    """fn(*values of deps, **params), retried up to `retries` times when it raises."""
    name: str
    fn: object
    deps: tuple = ()
    params: dict = field(default_factory=dict)
    retries: int = 0


@dataclass
class RunReport:
    """What a run did: the tasks it executed on the cluster, those it loaded from the cache, and the failures its
    retries recovered from ("task: exception", taken off the workers' error log so a handled failure is no alarm)."""
    values: dict
    executed: list
    cached: list
    failures: list = field(default_factory=list)


class _TaskFailures(logging.Filter):
    """Takes distributed.worker's "Compute Failed" records off the log, keeping "key: exception" for each."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith("Compute Failed"):
            return True
        key, exception = re.search(r"Key:\s+(\S+)", message), re.search(r"Exception:\s+(.*)", message)
        text = exception.group(1) if exception else message
        with contextlib.suppress(ValueError, SyntaxError):
            text = ast.literal_eval(text)  # distributed logs the exception's text as a repr'd string
        self.lines.append(f"{key.group(1) if key else '?'}: {text}")
        return False


_FAILURES = _TaskFailures()


def _collect_failures(start: bool) -> list[str]:
    """Worker side: start taking task failures off distributed.worker's log, or stop and return those taken."""
    log = logging.getLogger("distributed.worker")
    if start:
        log.addFilter(_FAILURES)  # once per process, even when several in-process workers call this
        return []
    log.removeFilter(_FAILURES)
    lines, _FAILURES.lines = _FAILURES.lines, []
    return lines


def _run_and_store(fn, path: str, params: dict, *inputs):
    """Worker side: run the task and store its value atomically in the cache."""
    value = fn(*inputs, **params)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        cloudpickle.dump(value, f)
    os.replace(tmp, path)
    return value


class Workflow:
    """Named tasks in a DAG, run on a dask.distributed Client with a file cache in cache_dir."""

    def __init__(self, cache_dir):
        self.cache_dir = Path(cache_dir)
        self.tasks: dict[str, Task] = {}

    def add(self, name: str, fn, *deps: str, retries: int = 0, **params) -> str:
        """Add a task that takes the values of `deps` (names of earlier tasks); returns its name."""
        if name in self.tasks:
            raise ValueError(f"task {name!r} is already in the workflow")
        missing = [d for d in deps if d not in self.tasks]
        if missing:
            raise ValueError(f"task {name!r} depends on {missing}, which are not in the workflow (add them first)")
        self.tasks[name] = Task(name, fn, tuple(deps), params, retries)
        return name

    def key(self, name: str) -> str:
        """The cache key of a task: its function, parameters and its inputs' keys, hashed."""
        task = self.tasks[name]
        identity = [name, f"{task.fn.__module__}.{task.fn.__qualname__}",
                    json.dumps(task.params, sort_keys=True, default=repr), [self.key(d) for d in task.deps]]
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]

    def cache_path(self, name: str) -> Path:
        """Where a task's finished value is stored."""
        return self.cache_dir / f"{name}-{self.key(name)}.pkl"

    def run(self, client) -> RunReport:
        """Submit every task not in the cache (with its retries) to the client; wait; return values and a report."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        futures, values, cached = {}, {}, []
        client.run(_collect_failures, True)
        try:
            self._submit(client, futures, values, cached)
            for name, future in futures.items():
                values[name] = future.result()  # a task that fails past its retries raises here, with its traceback
        finally:
            taken = [line for lines in client.run(_collect_failures, False).values() for line in lines]
        names = {f"{name}-{self.key(name)}": name for name in futures}
        failures = [f"{names.get(key, key)}: {exception}" for key, _, exception in (t.partition(": ") for t in taken)]
        return RunReport(values, list(futures), cached, failures)

    def _submit(self, client, futures: dict, values: dict, cached: list) -> None:
        """Load each cached task's value into values; submit the others (with their retries) into futures."""
        for name, task in self.tasks.items():  # insertion order is a topological order (deps come first)
            path = self.cache_path(name)
            if path.exists():
                with open(path, "rb") as f:
                    values[name] = cloudpickle.load(f)
                cached.append(name)
                continue
            inputs = [futures[d] if d in futures else values[d] for d in task.deps]
            futures[name] = client.submit(_run_and_store, task.fn, str(path), task.params, *inputs,
                                          retries=task.retries, key=f"{name}-{self.key(name)}", pure=False)

    def draw(self, ax=None, report: RunReport | None = None):
        """The task graph, one column per depth; with a report, executed tasks in orange and cached ones in grey."""
        from .graph import draw_dag

        depth = {}
        for name, task in self.tasks.items():
            depth[name] = 1 + max((depth[d] for d in task.deps), default=-1)
        colors = {}
        if report is not None:
            colors = {**{n: "C1" for n in report.executed}, **{n: "0.75" for n in report.cached}}
        return draw_dag({n: t.deps for n, t in self.tasks.items()}, depth, colors, ax)

