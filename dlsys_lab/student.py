"""The plug-in point between graded labs and dlsys_lab.

Graded labs ask students to write pieces of dlsys_lab itself. In the package's source each such piece is
the body of one function or method, between two marker lines that name the lab and the piece:

    def ring_all_reduce(tensor, comm):
        \"\"\"Sum `tensor` over all ranks in place.\"\"\"
        # BEGIN LAB lab06_parallel ring_all_reduce
        ...reference code...
        # END LAB lab06_parallel

(`// BEGIN LAB lab05_kernels matmul_tiled` ... `// END LAB lab05_kernels` in C++.) The student edition of
the course (`dlsys release --student-edition OUT`) replaces each region with a stub that asks this module
for the student's implementation, so the rest of the framework runs the student's own code.

A graded notebook's solution cell hands its function to the package here:

    from dlsys_lab import student

    @student.implements("lab06_parallel")
    def ring_all_reduce(tensor, comm):
        ...

The registered function takes the same arguments as the package's function (`self` first for a method)
and is registered under its `__qualname__` unless `name=` says otherwise ("Exp.backward").
"""
from __future__ import annotations

from typing import Callable

_IMPLEMENTATIONS: dict[tuple[str, str], Callable] = {}


class NotWrittenYet(NotImplementedError):
    """A piece of dlsys_lab that a graded lab asks students to write, with no implementation registered."""

    def __init__(self, lab: str, name: str):
        super().__init__(f"{name} is implemented in {lab}: run your solution cell of {lab} "
                         f"(it registers {name} with dlsys_lab.student.implements), "
                         f"or ask your instructor to unlock {lab}")
        self.lab, self.name = lab, name


def implements(lab: str, name: str | None = None):
    """Decorator: register `fn` as this student's implementation of the piece `name` of `lab`."""
    def register(fn: Callable) -> Callable:
        _IMPLEMENTATIONS[(lab, name or fn.__qualname__)] = fn
        return fn
    return register


def implementation(lab: str, name: str) -> Callable:
    """The registered implementation of `name` in `lab`; NotWrittenYet when there is none."""
    try:
        return _IMPLEMENTATIONS[(lab, name)]
    except KeyError:
        raise NotWrittenYet(lab, name) from None


def registered(lab: str | None = None) -> list[tuple[str, str]]:
    """The (lab, name) pieces registered so far, of one lab or of all."""
    return sorted(key for key in _IMPLEMENTATIONS if lab is None or key[0] == lab)


def forget(lab: str | None = None) -> None:
    """Drop the registered implementations of one lab, or of every lab."""
    for key in [key for key in _IMPLEMENTATIONS if lab is None or key[0] == lab]:
        del _IMPLEMENTATIONS[key]
