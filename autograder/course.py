"""Where things are in a course directory (the repository or a copy): labs, their notebooks,
and what their notebooks import (the modules a warm worker loads once)."""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat


class CourseError(Exception):
    """A problem with the course or the command line, with the fix in its message."""


def labs(root: Path, folder: str = "source") -> list[str]:
    """Labs under root/folder: directories holding at least one notebook."""
    base = Path(root) / folder
    return sorted(p.name for p in base.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if base.is_dir() else []


def lab_dir(root: Path, lab: str, folder: str = "source") -> Path:
    """root/folder/lab, or a CourseError naming the labs there are."""
    path = Path(root) / folder / lab
    if not lab or "/" in lab or not path.is_dir() or not any(path.glob("*.ipynb")):
        known = ", ".join(labs(root, folder)) or "none"
        raise CourseError(f"{folder}/{lab} not found; labs are: {known}")
    return path


def notebooks(root: Path, lab: str, folder: str = "source") -> dict[str, Path]:
    """The lab's notebooks by file name."""
    return {p.name: p for p in sorted(lab_dir(root, lab, folder).glob("*.ipynb"))}


def imported_modules(paths) -> list[str]:
    """Top-level modules the code cells of these notebooks import (what a warm worker preloads)."""
    from autograder.cells import python_source
    found: set[str] = set()
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(python_source(cell.source))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
    return sorted(found)
