"""The nbgrader cell roles the pipeline reads: solution cells, graded test cells and author cells,
plus the static facts about their code (names bound, names read) that the judge relies on."""
from __future__ import annotations

import ast
from dataclasses import dataclass

SOLUTION, TEST, AUTHOR, TEXT = "solution", "test", "author", "text"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"


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
    """One autograded test cell of a source notebook."""
    grade_id: str
    points: float
    source: str

    @property
    def hidden(self) -> bool:
        """True when part of the cell is hidden from students."""
        return HIDDEN_BEGIN in self.source


def test_cells(nb) -> list[TestCell]:
    """The graded test cells of a notebook, in order."""
    return [TestCell(nbgrader_meta(c)["grade_id"], float(nbgrader_meta(c).get("points", 0)), c["source"])
            for c in nb.cells if role(c) == TEST]


def python_source(source: str) -> str:
    """Cell source with IPython syntax (%magics, !shell) turned into plain Python calls."""
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(source)


def bound_names(source: str) -> set[str]:
    """Top-level names a cell binds by def, class or assignment (imports excluded on purpose)."""
    names: set[str] = set()
    for node in ast.parse(python_source(source)).body:
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
