"""`with references(softmax=reference_softmax): ...` in a test cell: inside the block the student's functions call
the course's reference in place of each function named, so a mistake in softmax costs the points of softmax's own
tests and not also those of every function that calls it.

In a notebook (JupyterLab, `dlsys validate`, the sandbox) the names are rebound in the cell's namespace for the
block. When the judge runs the cell, the student's functions live in the sandbox: the judge puts a hook in the
test's namespace under SANDBOX_HOOK, and the same names are rebound there, to the references of the same names that
the course's author cells defined in both places."""
from __future__ import annotations

import sys

SANDBOX_HOOK = "__dlsys_references__"
_MISSING = object()


class references:
    """Rebind each keyword's name to the function given for it while the block runs; the functions are the
    top-level definitions of an author cell (their `__name__` is how the sandbox finds them)."""

    def __init__(self, **replacements):
        self.replacements = replacements
        self.namespace = sys._getframe(1).f_globals
        self.saved: dict = {}

    def __enter__(self):
        hook = self.namespace.get(SANDBOX_HOOK)
        if hook is not None:
            hook.rebind({name: function.__name__ for name, function in self.replacements.items()})
        for name, function in self.replacements.items():
            self.saved[name] = self.namespace.get(name, _MISSING)
            self.namespace[name] = function
        return self

    def __exit__(self, *exc_info):
        for name, value in self.saved.items():
            if value is _MISSING:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value
        hook = self.namespace.get(SANDBOX_HOOK)
        if hook is not None:
            hook.restore()
        return False
