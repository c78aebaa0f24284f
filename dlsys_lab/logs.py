"""Quieting a library's chatty logger for one call, so a notebook shows results rather than framework noise."""
from __future__ import annotations

import contextlib
import logging


@contextlib.contextmanager
def quiet(*loggers: str, level: int = logging.ERROR):
    """Raise the named loggers to `level` inside the block (records below it are dropped), then restore them."""
    if not loggers:
        raise ValueError("quiet() needs at least one logger name")
    logs = [logging.getLogger(name) for name in loggers]
    saved = [log.level for log in logs]
    for log in logs:
        log.setLevel(level)
    try:
        yield
    finally:
        for log, old in zip(logs, saved):
            log.setLevel(old)
