"""Counting the bytes of backend array storage: `with dl.memory.track() as m: ...`.

Every storage a backend creates inside the block is counted when it is made and uncounted when its
last view dies (weakref.finalize on the NumPy base array or the flat storage tensor), so the counts
are exact and deterministic: the same code gives the same numbers, on every device.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..nd import hooks


class MemoryTracker:
    """Live and peak bytes of the storage allocated inside a `track()` block, and their timeline."""

    def __init__(self):
        self.current_bytes = 0
        self.peak_bytes = 0
        self.allocations = 0
        self.frees = 0
        self.timeline: list[tuple[int, int, str]] = [(0, 0, "start")]
        self._live: dict[int, int] = {}  # id(storage) -> bytes, for storages allocated inside the block
        self._phase = ""
        self._active = False

    # the hook ---------------------------------------------------------------------------------
    def call(self, backend, name, args, result):
        """Counts a new storage in `result` (called by nd.hooks after each backend call)."""
        if isinstance(result, np.generic):  # NumPy hands back scalars for 0-d results: give them a storage
            result = np.asarray(result)
            if name == "getitem":  # an element picked out: a view on the strided backends, so no allocation
                return result
        found = hooks.storage(result)
        if found is None:
            return result
        owner, nbytes = found
        key = id(owner)
        if key in self._live or any(key == id(hooks.storage(a)[0]) for a in args if _is_array(a)):
            return result  # a view of, or a write into, a storage already counted or made before
        if not self._active:
            return result
        self._live[key] = nbytes
        weakref.finalize(owner, self._freed, key, name)
        self.allocations += 1
        self._record(nbytes, self._phase + name)
        return result

    def _freed(self, key, name):
        nbytes = self._live.pop(key, None)
        if nbytes is None or not self._active:
            return
        self.frees += 1
        self._record(-nbytes, f"{self._phase}free {name}")

    def _record(self, delta, label):
        self.current_bytes += delta
        self.peak_bytes = max(self.peak_bytes, self.current_bytes)
        self.timeline.append((len(self.timeline), self.current_bytes, label))

    # phases and results -------------------------------------------------------------------------
    def phase(self, name: str) -> None:
        """Prefix the labels of the following events with `name: ` (e.g. forward, backward, update)."""
        self._phase = f"{name}: " if name else ""

    def plot(self, ax=None, title: str | None = None):
        """The memory timeline: live bytes after each allocation or free, peak marked; returns the figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3))
        steps = [t[0] for t in self.timeline]
        live = [t[1] / 2**20 for t in self.timeline]
        ax.step(steps, live, where="post")
        ax.axhline(self.peak_bytes / 2**20, color="tab:red", ls="--", lw=1,
                   label=f"peak {self.peak_bytes / 2**20:.2f} MiB")
        ax.set_xlabel("allocation / free event")
        ax.set_ylabel("live MiB")
        ax.set_title(title or "backend storage alive")
        ax.legend(loc="upper left")
        return ax.figure

    def __repr__(self):
        return (f"MemoryTracker(peak_bytes={self.peak_bytes}, current_bytes={self.current_bytes}, "
                f"allocations={self.allocations}, frees={self.frees})")

    # the context ----------------------------------------------------------------------------
    def __enter__(self):
        self._active = True
        hooks.listen(self)
        return self

    def __exit__(self, *exc):
        hooks.unlisten(self)
        self._active = False
        return False


def _is_array(a) -> bool:
    return isinstance(a, np.ndarray) or hasattr(a, "storage")


def track() -> MemoryTracker:
    """A context manager counting backend storage bytes: `with dl.memory.track() as m: ...; m.peak_bytes`."""
    return MemoryTracker()
