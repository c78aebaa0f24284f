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

from pathlib import Path
from typing import Callable

_IMPLEMENTATIONS: dict[tuple[str, str], Callable] = {}
_COURSE = Path(__file__).resolve().parents[1]  # the course folder (an editable install): release/ lies here


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


def registrations() -> dict[tuple[str, str], Callable]:
    """Every registered implementation, to hand to another process (dlsys_lab.parallel.launch does)."""
    return dict(_IMPLEMENTATIONS)


def restore(implementations: dict[tuple[str, str], Callable]) -> None:
    """Register what registrations() returned in another process."""
    _IMPLEMENTATIONS.update(implementations)


def use_lab(lab: str, notebook=None) -> list[str]:
    """Register this student's pieces of `lab` in this kernel (a lab session, another notebook) from their graded
    notebook (default: release/LAB/LAB.ipynb of this course): its setup and solution cells run, in order, in a
    namespace of their own. A cell that fails is reported and skipped. Returns the names registered; where this
    dlsys_lab holds the lab's reference (the instructor's copy, or a lab unlocked), it runs nothing."""
    if not _stubbed(lab):
        print(f"{lab}: this dlsys_lab holds the lab's reference; nothing to load")
        return []
    path = Path(notebook) if notebook is not None else _COURSE / "release" / lab / f"{lab}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"{lab}: no graded notebook at {path}; pass notebook= the path of your copy")
    import nbformat

    before = set(registered(lab))
    namespace = {"__name__": f"__{lab}__"}
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not (meta.get("solution") or meta.get("grade_id") == "setup"):
            continue
        try:
            exec(compile(_python(cell.source), f"<{path.name} cell {index}>", "exec"), namespace)
        except Exception as err:  # noqa: BLE001 - the student's cell: report it and go on
            print(f"{lab}: cell {index} ({meta.get('grade_id', '?')}) of {path.name} failed: "
                  f"{type(err).__name__}: {err}")
    names = [name for key, name in registered(lab) if (key, name) not in before]
    print(f"{lab}: {len(names)} of your pieces registered from {path.name}")
    return names



def _stubbed(lab: str) -> bool:
    """True when some region of `lab` in this package is a stub asking for the student's implementation."""
    needle = f"_student.implementation({lab!r}"
    return any(needle in p.read_text(errors="ignore") for p in Path(__file__).parent.rglob("*.py"))


def _python(source: str) -> str:
    """A cell's source as plain Python (IPython magics turned into calls, as a kernel would)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)
