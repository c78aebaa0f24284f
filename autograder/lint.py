"""Rules a source notebook must follow before it is released: solution cells carry BEGIN/END SOLUTION
markers, grade ids are unique, graded cells have points, hidden-test markers pair up."""
from __future__ import annotations

from pathlib import Path

import nbformat

from autograder import cells


def lint_notebook(path: Path) -> list[str]:
    """Problems found in one source notebook, each naming the cell and the fix."""
    nb = nbformat.read(path, as_version=4)
    problems, seen = [], set()
    for index, cell in enumerate(nb.cells):
        meta = cells.nbgrader_meta(cell)
        where = f"{Path(path).name} cell {index} ('{meta.get('grade_id', '?')}')"
        if meta.get("grade_id") in seen:
            problems.append(f"{where}: duplicate grade id; give each nbgrader cell its own grade_id")
        if meta.get("grade_id"):
            seen.add(meta["grade_id"])
        elif meta.get("grade") or meta.get("solution"):
            problems.append(f"{where}: nbgrader cell without a grade_id; set one in the cell toolbar")
        if cells.role(cell) == cells.SOLUTION and not (
                cells.SOLUTION_BEGIN in cell.source and cells.SOLUTION_END in cell.source):
            problems.append(f"{where}: solution cell without ### BEGIN SOLUTION / ### END SOLUTION markers")
        if meta.get("grade") and not float(meta.get("points") or 0) > 0:
            problems.append(f"{where}: graded cell without points; set nbgrader.points > 0")
        if cell.source.count(cells.HIDDEN_BEGIN) != cell.source.count(cells.HIDDEN_END):
            problems.append(f"{where}: unpaired ### BEGIN/END HIDDEN TESTS markers")
        if cells.HIDDEN_BEGIN in cell.source and cells.role(cell) != cells.TEST:
            problems.append(f"{where}: hidden tests outside a graded test cell would reach students")
    return problems


def lint_lab(root: Path, lab: str) -> list[str]:
    """Problems in every notebook of a lab, plus grade ids repeated across its notebooks."""
    from autograder.course import notebooks
    problems, owners = [], {}
    for name, path in notebooks(root, lab).items():
        problems += lint_notebook(path)
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cells.nbgrader_meta(cell).get("grade_id")
            if grade_id and owners.setdefault(grade_id, name) != name:
                problems.append(f"{name}: grade id '{grade_id}' is also used in {owners[grade_id]}; make it unique")
    return problems
