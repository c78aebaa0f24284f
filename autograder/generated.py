"""Generated mutants: mechanical wrong answers made from a lab's solution cells (a comparison flipped, `>` and
`>=` swapped, `+` and `-` or `*` and `/` swapped, a constant off by one, a negation or a statement dropped).
`dlsys check LAB --generated N` grades a sample of them and lists those no test catches: holes in the tests,
or equivalent programs (a `>=` where equality cannot happen) that an author can tell apart at a glance."""
from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass

import nbformat

from autograder import cells

COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
BINARY = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Add: "+",
          ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class Generated:
    """One generated mutant of one solution cell."""
    notebook: str
    cell: str
    line: int          # 1-based line of the cell
    change: str
    text: str          # that line as the solution has it
    source: str        # the whole mutated cell

    @property
    def name(self) -> str:
        """A short id for job names and reports."""
        return f"{self.cell}:{self.line}:{self.change}"


def _answer_lines(source: str) -> range:
    """1-based lines between ### BEGIN SOLUTION and ### END SOLUTION (the whole cell when unmarked)."""
    lines = source.splitlines()
    begin = next((i for i, line in enumerate(lines, 1) if cells.SOLUTION_BEGIN in line), 0)
    end = next((i for i, line in enumerate(lines, 1) if cells.SOLUTION_END in line), len(lines) + 1)
    return range(begin + 1, end)


def _sites(tree: ast.AST, lines: range):
    """(node, description, apply) for every mutation the answer's code allows, in source order."""
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and len(block) > 1:
                for i, stmt in enumerate(block):
                    if stmt.lineno in lines and isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)):
                        yield stmt, "drop statement", (node, field, i, ast.Pass())
        if getattr(node, "lineno", None) not in lines:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE:
                    new = COMPARE[type(op)]
                    yield node, f"{SYMBOL[type(op)]} -> {SYMBOL[new]}", (node, "ops", i, new())
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINARY:
            new = BINARY[type(node.op)]
            yield node, f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}", (node, "op", None, new())
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            for new in (node.value - 1, node.value + 1):
                yield node, f"{node.value!r} -> {new!r}", (node, "value", None, type(node.value)(new))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield node, "drop unary -", ("unary", node)


def _apply(tree: ast.AST, edit) -> None:
    if edit[0] == "unary":
        node = edit[1]
        for parent in ast.walk(tree):
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, node.operand)
                elif isinstance(value, list) and any(v is node for v in value):
                    value[[v is node for v in value].index(True)] = node.operand
        return
    node, field, index, new = edit
    if index is None:
        setattr(node, field, new)
    else:
        old = getattr(node, field)[index]
        getattr(node, field)[index] = ast.copy_location(new, old) if isinstance(new, ast.stmt) else new


def cell_mutants(notebook: str, grade_id: str, source: str) -> list[Generated]:
    """Every generated mutant of one solution cell that still compiles."""
    code = cells.python_source(source)
    try:
        count = len(list(_sites(ast.parse(code), _answer_lines(source))))
    except SyntaxError:
        return []
    found = []
    for k in range(count):
        tree = ast.parse(code)
        node, change, edit = list(_sites(tree, _answer_lines(source)))[k]
        line = node.lineno
        _apply(tree, edit)
        mutated = ast.unparse(ast.fix_missing_locations(tree))
        try:
            compile(mutated, "<mutant>", "exec")
        except SyntaxError:
            continue
        original = code.splitlines()[line - 1].strip()
        found.append(Generated(notebook, grade_id, line, change, original, mutated + "\n"))
    return found


def lab_mutants(sources: dict, sample: int, seed: int = 0) -> tuple[list[Generated], int]:
    """A seeded sample of the generated mutants of every solution cell of a lab, and how many there were."""
    every = []
    for name, path in sources.items():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cells.role(cell) == cells.SOLUTION:
                every += cell_mutants(name, cells.nbgrader_meta(cell).get("grade_id", ""), cell.source)
    return sorted(random.Random(seed).sample(every, min(sample, len(every))), key=lambda g: g.name), len(every)


def write_notebook(path, source_path, mutant: Generated) -> None:
    """The source notebook with the mutant's cell in place of its solution cell."""
    nb = copy.deepcopy(nbformat.read(source_path, as_version=4))
    for cell in nb.cells:
        if cells.role(cell) == cells.SOLUTION and cells.nbgrader_meta(cell).get("grade_id") == mutant.cell:
            cell.source = mutant.source
    nbformat.write(nb, path)
