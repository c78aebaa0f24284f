"""Whether operations record a graph: `no_grad()` turns recording off inside a `with` block.

Backward passes use `grad_mode(create_graph)` so first-order gradients are computed without a graph.
"""
import threading
from contextlib import contextmanager


class _GradMode(threading.local):
    """The one switch Op.__call__ reads before recording a node; per thread, like torch's, so one thread's
    no_grad() (evaluation) never turns off another thread's recording (training on a thread pool)."""

    def __init__(self):
        self.enabled = True


GRAD_MODE = _GradMode()


@contextmanager
def grad_mode(enabled: bool):
    """Record graphs inside the block iff `enabled`; the previous setting is restored after."""
    previous = GRAD_MODE.enabled
    GRAD_MODE.enabled = enabled
    try:
        yield
    finally:
        GRAD_MODE.enabled = previous


def no_grad():
    """A context in which no operation records a graph (evaluation, optimizer steps)."""
    return grad_mode(False)


def enable_grad():
    """A context in which operations record graphs again (inside a `no_grad` block)."""
    return grad_mode(True)


def is_grad_enabled() -> bool:
    """True when new operations record a graph."""
    return GRAD_MODE.enabled
