"""dl.serve.DynamicBatcher alone (no HTTP): batches of at most max_batch rows, max_wait, queue limit, answers."""
import asyncio
import time

import numpy as np
import pytest

from dlsys_lab.serve import DynamicBatcher, QueueFull


def _double(batches):
    def run(batch):
        batches.append(len(batch))
        time.sleep(0.002)
        return batch * 2
    return run


async def _serve(batcher, requests, delay_s=0.0):
    batcher.start()
    try:
        async def one(rows):
            await asyncio.sleep(delay_s)
            return await batcher.submit(rows)
        return await asyncio.gather(*(one(rows) for rows in requests), return_exceptions=True)
    finally:
        await batcher.close()


def test_each_request_gets_its_own_rows_from_batches_of_at_most_max_batch():
    batches = []
    requests = [np.full((1 + i % 3, 2), float(i)) for i in range(40)]
    results = asyncio.run(_serve(DynamicBatcher(_double(batches), 8, 0.05, 100), requests))
    for rows, result in zip(requests, results):
        np.testing.assert_array_equal(result.outputs, rows * 2)
        assert len(rows) <= result.batch_size <= 8
    assert sum(batches) == sum(len(r) for r in requests) and max(batches) <= 8
    assert len(batches) < len(requests)  # requests were batched together


def test_a_lone_request_waits_max_wait_then_runs_alone():
    batches = []
    start = time.perf_counter()
    (result,) = asyncio.run(_serve(DynamicBatcher(_double(batches), 8, 0.05, 100), [np.ones((1, 2))]))
    assert 0.05 <= time.perf_counter() - start < 1.0
    assert result.batch_size == 1 and batches == [1]


def test_full_queue_and_oversized_requests_are_refused():
    results = asyncio.run(_serve(DynamicBatcher(_double([]), 1, 0.0, 2), [np.ones((1, 2))] * 10 + [np.ones((3, 2))]))
    refused = [r for r in results if isinstance(r, QueueFull)]
    assert refused and all(not isinstance(r, Exception) or isinstance(r, QueueFull) for r in results[:10])
    assert isinstance(results[-1], ValueError) and "at most max-batch = 1 rows" in str(results[-1])


def test_settings_are_checked():
    with pytest.raises(ValueError, match="max_batch >= 1"):
        DynamicBatcher(_double([]), 0, 0.01, 4)
