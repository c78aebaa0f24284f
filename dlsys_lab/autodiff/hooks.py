"""The one switch a profiler turns on: when `OP_HOOK.recorder` is set, every op call goes through it.

Autodiff only reads this slot (one attribute check per op and per backward node); dlsys_lab.profiler fills it.
"""


class _OpHook:
    """Holds the active recorder, or None (the default: ops run with no extra work)."""

    __slots__ = ("recorder",)

    def __init__(self):
        self.recorder = None


OP_HOOK = _OpHook()
