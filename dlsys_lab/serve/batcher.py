"""The dynamic batcher: requests wait in a queue until max_batch rows are there or the oldest has waited
max_wait seconds; then one forward pass serves them all, and each request gets back its own rows.

`plan.plan_batches` makes the same decisions on plain data (lab09_optimization). It runs in the server's
event loop; a slow model's forward pass runs on a worker thread, so requests keep arriving (and overflowing the
queue, which `submit` refuses with QueueFull) while the model computes; a fast one's in the loop (see below).
"""
from __future__ import annotations

import asyncio
import collections
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np


class QueueFull(Exception):
    """The queue already holds max_queue requests; try again later."""


@dataclass(frozen=True)
class BatchResult:
    """One request's answer: its own output rows, and the rows of the forward pass that computed them."""

    outputs: np.ndarray
    batch_size: int


@dataclass
class _Waiting:
    rows: np.ndarray
    future: asyncio.Future
    arrived: float  # the event loop's clock


class DynamicBatcher:
    """Batches the rows of concurrent requests for `run` (a function from a batch of rows to output rows).

    `on_batch(rows, seconds)` is told the size and duration of every forward pass. With `in_thread`, forward passes
    run on a worker thread, so that requests keep arriving while the model computes; without, in the event loop
    itself, which is cheaper for a short forward pass: the hand-off to a thread and back costs two thread wake-ups,
    and the thread needs the GIL, which a busy event loop gives up only every few milliseconds."""

    def __init__(self, run: Callable[[np.ndarray], np.ndarray], max_batch: int, max_wait_s: float, max_queue: int,
                 on_batch: Callable[[int, float], None] | None = None, in_thread: bool = True):
        if max_batch < 1 or max_queue < 1 or max_wait_s < 0:
            raise ValueError(f"need max_batch >= 1, max_queue >= 1 and max_wait >= 0; got {max_batch}, "
                             f"{max_queue} and {max_wait_s}")
        self.run, self.max_batch, self.max_wait_s, self.max_queue = run, max_batch, max_wait_s, max_queue
        self.on_batch, self.in_thread = on_batch, in_thread
        self._queue: collections.deque[_Waiting] = collections.deque()
        self._rows = 0  # rows waiting in the queue
        self._wake: asyncio.Future | None = None  # what the batching loop waits on, when it waits
        self._closing = False
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forward")

    @property
    def depth(self) -> int:
        """Requests waiting for a forward pass."""
        return len(self._queue)

    async def submit(self, rows: np.ndarray) -> BatchResult:
        """Queue rows (at most max_batch of them) and wait for their outputs; QueueFull when the queue is full."""
        if len(rows) > self.max_batch:
            raise ValueError(f"a request may hold at most max-batch = {self.max_batch} rows, got {len(rows)}")
        if self._closing:
            raise QueueFull("the server is shutting down")
        if len(self._queue) >= self.max_queue:
            raise QueueFull(f"the queue holds max-queue = {self.max_queue} requests")
        loop = asyncio.get_running_loop()
        waiting = _Waiting(rows, loop.create_future(), loop.time())
        self._queue.append(waiting)
        self._rows += len(rows)
        if len(self._queue) == 1 or self._rows >= self.max_batch:  # (only then can the batching loop act)
            self._wakeup()
        return await waiting.future

    def start(self) -> None:
        """Start the loop that forms and runs batches (call it inside the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._serve())

    async def close(self) -> None:
        """Answer every queued request, then stop."""
        self._closing = True
        self._wakeup()
        if self._task is not None:
            await self._task
        self._executor.shutdown()

    def _wakeup(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _sleep(self, until: float | None) -> None:
        """Wait for _wakeup, or until the loop's clock reads `until`."""
        self._wake = self._loop.create_future()
        timer = self._loop.call_at(until, self._wakeup) if until is not None else None
        try:
            await self._wake
        finally:
            self._wake = None
            if timer is not None:
                timer.cancel()

    async def _serve(self) -> None:
        while True:
            if not self._queue:
                if self._closing:
                    return
                await self._sleep(None)
                continue
            deadline = self._queue[0].arrived + self.max_wait_s
            if self._rows < self.max_batch and not self._closing and self._loop.time() < deadline:
                await self._sleep(deadline)  # until max_batch rows are queued or the oldest has waited max_wait
                continue
            await self._run_batch(self._take())
            await asyncio.sleep(0)  # (let the answered requests respond and new ones arrive)

    def _take(self) -> list[_Waiting]:
        """The oldest requests whose rows fit in one batch together."""
        taken, rows = [], 0
        while self._queue and rows + len(self._queue[0].rows) <= self.max_batch:
            taken.append(self._queue.popleft())
            rows += len(taken[-1].rows)
        self._rows -= rows
        return taken

    async def _run_batch(self, taken: list[_Waiting]) -> None:
        batch = np.concatenate([w.rows for w in taken]) if len(taken) > 1 else taken[0].rows
        start = time.perf_counter()
        try:
            if self.in_thread:
                outputs = await self._loop.run_in_executor(self._executor, self.run, batch)
            else:
                outputs = self.run(batch)
        except Exception as err:  # the model failed: every request of the batch gets the error
            for w in taken:
                if not w.future.done():
                    w.future.set_exception(err)
            return
        if self.on_batch is not None:
            self.on_batch(len(batch), time.perf_counter() - start)
        offset = 0
        for w in taken:
            if not w.future.done():  # (a client that went away has its future cancelled)
                w.future.set_result(BatchResult(outputs[offset:offset + len(w.rows)], len(batch)))
            offset += len(w.rows)
