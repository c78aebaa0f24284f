"""The switches a profiler or a tracer turns on. Autodiff and nn only read these slots (one attribute check per
call); dlsys_lab.profiler and dlsys_lab.export fill them.

- `OP_HOOK.tracer` (dl.export): every op call and every Module call goes through it, so it can write them as
  graph nodes.
- `OP_HOOK.profiler` (dl.profile()): each op's forward is timed inline and handed to it, and each node's backward
  runs through it.
"""


class _OpHook:
    """Holds the active tracer and profiler, or None (the default: calls run with no extra work)."""

    __slots__ = ("tracer", "profiler")

    def __init__(self):
        self.tracer = None
        self.profiler = None


OP_HOOK = _OpHook()
