"""The nbgrader cell roles the pipeline reads: solution cells, graded test cells and author cells,
plus the static facts about their code (names bound, names read) that the judge relies on."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

SOLUTION, TEST, AUTHOR, TEXT = "solution", "test", "author", "text"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
DLSYS_META, HIDDEN_REMOVED = "dlsys", "hidden_tests_removed"     # cell metadata our release writes
TOP_LEVEL_BINDING = re.compile(r"^(?:(?:async\s+)?def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=(?!=)", re.M)


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for ordinary cells)."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def role(cell) -> str:
    """SOLUTION, TEST, AUTHOR (code the student cannot change) or TEXT."""
    if cell.get("cell_type") != "code":
        return TEXT
    meta = nbgrader_meta(cell)
    if meta.get("solution") and not meta.get("grade"):
        return SOLUTION
    if meta.get("grade") and not meta.get("solution"):
        return TEST
    return AUTHOR


@dataclass(frozen=True)
class TestCell:
    """One autograded test cell of a source notebook (or of a release, whose hidden parts were removed)."""
    grade_id: str
    points: float
    source: str
    hidden_removed: bool = False     # a release's cell whose hidden part only grading runs

    @property
    def hidden(self) -> bool:
        """True when part of the cell is hidden from students."""
        return HIDDEN_BEGIN in self.source


def test_cells(nb) -> list[TestCell]:
    """The graded test cells of a notebook, in order."""
    return [TestCell(nbgrader_meta(c)["grade_id"], float(nbgrader_meta(c).get("points", 0)), c["source"],
                     bool(c.get("metadata", {}).get(DLSYS_META, {}).get(HIDDEN_REMOVED)))
            for c in nb.cells if role(c) == TEST]


def mark_hidden_removed(source_nb, release_nb) -> None:
    """Flag the release's test cells whose source has hidden tests (nbgrader's checksum ignores this metadata)."""
    hidden = {t.grade_id for t in test_cells(source_nb) if t.hidden}
    for cell in release_nb.cells:
        if role(cell) == TEST and nbgrader_meta(cell).get("grade_id") in hidden:
            cell.metadata[DLSYS_META] = {HIDDEN_REMOVED: True}


def python_source(source: str) -> str:
    """Cell source with IPython syntax (%magics, !shell) turned into plain Python calls."""
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(source)


def bound_names(source: str) -> set[str]:
    """Top-level names a cell binds by def, class or assignment (imports excluded on purpose); for a cell that does
    not parse (a student's, in `dlsys validate`), the names its unindented def, class and assignment lines bind."""
    names: set[str] = set()
    try:
        body = ast.parse(python_source(source)).body
    except SyntaxError:
        return {defined or assigned for defined, assigned in TOP_LEVEL_BINDING.findall(source)}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def read_names(source: str) -> set[str]:
    """Every name a cell reads, at any depth."""
    return {n.id for n in ast.walk(ast.parse(python_source(source)))
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
