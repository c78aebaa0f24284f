"""Throwaway copies of the course and submission notebooks built from lab01's source and release,
shared by the autograder tests."""
from __future__ import annotations

import copy
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
LAB = "lab01_models"
NOTEBOOK = f"{LAB}.ipynb"


def make_course(target: Path) -> Path:
    """A course directory holding lab01's source and release and the nbgrader config."""
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder / LAB, target / folder / LAB)
    (target / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", target / "autograder")
    shutil.copy(REPO / "nbgrader_config.py", target)
    return target


def source_nb():
    """The lab's source notebook (the solution)."""
    return nbformat.read(REPO / "source" / LAB / NOTEBOOK, as_version=4)


def release_nb():
    """The lab's student notebook (blank)."""
    return nbformat.read(REPO / "release" / LAB / NOTEBOOK, as_version=4)


def with_cells(nb, replacements: dict[str, str]):
    """A copy of nb whose cells with these grade ids hold the given code."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replacements:
            cell.source = replacements[grade_id]
    return nb


def solution_of(grade_id: str) -> str:
    """The source's code for a solution cell."""
    return next(c.source for c in source_nb().cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def dlsys(course: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the dlsys command on a course copy."""
    return subprocess.run([sys.executable, "-m", "dlsys_lab", "--course", str(course), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def read_rows(course: Path) -> dict[str, dict]:
    """grades.csv rows by student id."""
    import csv
    with open(course / "grades" / LAB / "grades.csv") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Hashes of the bytes (read in chunks) and mtimes of every file under folder."""
    def digest(path: Path) -> str:
        hasher = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 24), b""):
                hasher.update(chunk)
        return hasher.hexdigest()
    return {str(p.relative_to(folder)): (digest(p), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}
