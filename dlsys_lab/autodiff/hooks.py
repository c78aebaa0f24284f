"""The switches a profiler or a tracer turns on: when `OP_HOOK.recorder` is set, every op call goes through it;
when `OP_HOOK.modules` is set, every Module call does.

Autodiff and nn only read these slots (one attribute check per call); dlsys_lab.profiler and dlsys_lab.export fill them.
"""


class _OpHook:
    """Holds the active op recorder and module tracer, or None (the default: calls run with no extra work)."""

    __slots__ = ("recorder", "modules")

    def __init__(self):
        self.recorder = None
        self.modules = None


OP_HOOK = _OpHook()
