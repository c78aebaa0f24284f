"""DataLoader with worker processes: the main process decides the batches exactly as a single-process loader
would (DataLoader.__iter__ itself runs, with a collate that only records each batch's indices), then worker
processes stack the samples, prefetch_factor batches ahead per worker, and batches come back in order. So a seeded
loader gives the same batches in the same order for 0, 1 or 2 workers; only the loading is parallel.

Workers are spawned processes (fork is unsafe once torch's OpenMP threads exist): the dataset must be picklable,
so define it (and its transforms) in an importable module, not in a notebook cell.
"""
from __future__ import annotations

import multiprocessing
import pickle
from collections import deque
from concurrent.futures import ProcessPoolExecutor

from ..profiler.spans import timed_batches
from .loader import DataLoader, collate_columns

_dataset = None  # in a worker process: its copy of the dataset


def _start_worker(dataset) -> None:
    global _dataset
    _dataset = dataset


def _load(indices):
    return collate_columns(_dataset, indices)


class _IndexPlan(DataLoader):
    """A view of a loader whose batches are their index arrays (it shares the loader's random generator)."""

    def _collate(self, indices):
        return indices


class WorkerDataLoader(DataLoader):
    """A DataLoader with num_workers > 0 (DataLoader(..., num_workers=2) makes one)."""

    def _index_batches(self):
        plan = object.__new__(_IndexPlan)
        plan.__dict__ = self.__dict__  # the same generator: the shuffle advances exactly as without workers
        return list(DataLoader.__iter__(plan))

    def __iter__(self):
        # the wait for each batch (the workers' start included) is a span of an active dl.profile()
        return timed_batches(self._load_batches())

    def _load_batches(self):
        batches = self._index_batches()
        try:
            pickle.dumps(self.dataset)
        except (pickle.PicklingError, AttributeError, TypeError) as err:
            raise TypeError(f"num_workers={self.num_workers} sends the dataset to worker processes, so it must be "
                            f"picklable ({err}); define it and its transforms in an importable module, or use "
                            f"num_workers=0") from err
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.num_workers, mp_context=context, initializer=_start_worker,
                                 initargs=(self.dataset,)) as pool:
            pending, ahead = deque(), self.num_workers * self.prefetch_factor
            for indices in batches:
                pending.append(pool.submit(_load, indices))
                if len(pending) >= ahead:
                    yield self._tensors(pending.popleft().result())
            while pending:
                yield self._tensors(pending.popleft().result())
