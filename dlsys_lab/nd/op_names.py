"""The elementwise ops and reductions every backend computes, read from the one list in kernels/common/ops.h.

The C++ and CUDA kernels compile that list (`DLSYS_EWISE_OPS`, `DLSYS_REDUCTIONS`); Python reads the same lines
here, so an op name exists once. `EWISE_OPS` maps each name to its arity (1: unary, 2: binary).
"""
from __future__ import annotations

import re
from pathlib import Path

OPS_HEADER = Path(__file__).resolve().parent.parent / "kernels" / "common" / "ops.h"


def _read(macro: str, pattern: str) -> list[tuple[str, ...]]:
    """The entries of `#define macro(X) ...` in ops.h, each matched by `pattern`."""
    text = OPS_HEADER.read_text()
    found = re.search(rf"#define {macro}\(X\)((?:.*\\\n)*.*)", text)
    if found is None:
        raise RuntimeError(f"{OPS_HEADER} defines no {macro}(X) list")
    return re.findall(pattern, found.group(1))


EWISE_OPS: dict[str, int] = {name: int(arity) for name, arity in
                             _read("DLSYS_EWISE_OPS", r'X\(\s*\w+\s*,\s*"(\w+)"\s*,\s*([12])\s*,')}
REDUCTIONS: tuple[str, ...] = tuple(_read("DLSYS_REDUCTIONS", r'X\(\s*\w+\s*,\s*"(\w+)"\s*\)'))
UNARY = tuple(name for name, arity in EWISE_OPS.items() if arity == 1)
BINARY = tuple(name for name, arity in EWISE_OPS.items() if arity == 2)


def check_table(table, names, where: str) -> None:
    """Raise when a backend's table of ops does not name exactly the ops of ops.h."""
    missing, extra = [n for n in names if n not in table], [n for n in table if n not in names]
    if missing or extra:
        raise RuntimeError(f"{where}: its op table differs from {OPS_HEADER.name}: missing {missing}, unknown {extra}")


def op_error(op, b) -> ValueError:
    """The error of an op name not in ops.h, or of a unary op given two operands (b not None) or the reverse."""
    if op not in EWISE_OPS:
        return ValueError(f"unknown elementwise op {op!r}; ops are: {', '.join(EWISE_OPS)}")
    wanted = "one operand" if EWISE_OPS[op] == 1 else "two operands"
    return ValueError(f"{op} takes {wanted}, got {'one' if b is None else 'two'}")
