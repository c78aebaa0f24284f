"""launch: results in rank order, and failing or hanging workers reported with their traceback."""
import time

import pytest
import torch
import torch.distributed as dist

from dlsys_lab.parallel import WorkerError, launch
from dlsys_lab.parallel.comm import TorchComm


def rank_info(rank, world_size, offset):
    """Each rank reports what the group says about it, a reduced tensor, and what TorchComm carried."""
    t = torch.tensor([float(rank)])
    dist.all_reduce(t)
    comm, incoming = TorchComm(), torch.empty(2)
    works = [comm.isend(torch.full((2,), float(rank)), (rank + 1) % world_size),
             comm.irecv(incoming, (rank - 1) % world_size)]
    for w in works:
        w.wait()
    return (rank + offset, dist.get_rank(), dist.get_world_size(), t.item(), torch.get_num_threads(),
            incoming[0].item(), comm.bytes_sent)


def raise_on_rank_one(rank, world_size):
    if rank == 1:
        raise ValueError("deliberate failure in rank one")
    dist.barrier()  # rank 0 waits here for a partner that never comes
    return rank


def sleep_forever(rank, world_size):
    while True:
        time.sleep(0.05)


def test_results_come_back_in_rank_order_from_a_notebook_style_function():
    namespace = {"rank_info": rank_info}
    exec("def from_notebook(rank, world_size):\n    return rank_info(rank, world_size, 10)\n", namespace)
    namespace["from_notebook"].__module__ = "__main__"  # what a notebook cell's function looks like
    results = launch(namespace["from_notebook"], 3)
    assert [r[:3] for r in results] == [(10, 0, 3), (11, 1, 3), (12, 2, 3)]
    assert all(r[3] == 3.0 for r in results) and all(r[4] == 1 for r in results)
    assert [r[5:] for r in results] == [(2.0, 8), (0.0, 8), (1.0, 8)]  # TorchComm: from the left neighbour


def call_registered(rank, world_size):
    """What a stub of the student edition does: ask the plug-in point for the student's piece."""
    from dlsys_lab import student

    return student.implementation("lab06_parallel", "ring_all_reduce")(rank, world_size)


def test_workers_run_the_students_registered_pieces():
    from dlsys_lab import student

    namespace = {"__name__": "__lab06_parallel__"}  # as student.use_lab runs a graded notebook's cells
    exec("from dlsys_lab import student\n@student.implements('lab06_parallel')\n"
         "def ring_all_reduce(rank, world_size):\n    return ('mine', rank)\n", namespace)
    try:
        assert launch(call_registered, 2) == [("mine", 0), ("mine", 1)]
    finally:
        student.forget("lab06_parallel")


def test_worker_exception_carries_its_traceback():
    start = time.monotonic()
    with pytest.raises(WorkerError) as info:
        launch(raise_on_rank_one, 2, timeout=30)
    message = str(info.value)
    assert "rank 1 raised" in message and "deliberate failure in rank one" in message
    assert "raise_on_rank_one" in message  # the worker's own frame is in the traceback
    assert time.monotonic() - start < 30


def test_hanging_worker_fails_within_timeout_with_its_stack():
    start = time.monotonic()
    with pytest.raises(WorkerError) as info:
        launch(sleep_forever, 2, timeout=3)
    assert time.monotonic() - start < 3 + 20  # plus start-up: spawning and importing torch
    message = str(info.value)
    assert "timed out after 3" in message and "sleep_forever" in message
