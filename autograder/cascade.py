"""Which of the student's graded functions a test relies on without naming them (sgd_epoch calls
cross_entropy_grad, which calls softmax), so that a failure that may come from another function's mistake says so
instead of sending the student to the wrong code. Tests that run with reference versions (autograder.references)
do not fail that way; this note covers the others."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from autograder import cells


@dataclass(frozen=True)
class Dependencies:
    """For each solution cell of a source notebook: the names it binds and the other solution cells it reads."""
    binds: dict[str, frozenset[str]]
    reads: dict[str, frozenset[str]]

    @classmethod
    def of(cls, source_nb) -> "Dependencies":
        """The solution cells' static facts, in notebook order."""
        solutions = {cells.nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells
                     if cells.role(c) == cells.SOLUTION}
        binds = {g: frozenset(cells.bound_names(s)) for g, s in solutions.items()}
        reads = {g: frozenset(o for o, names in binds.items() if o != g and names & _read_names(s))
                 for g, s in solutions.items()}
        return cls(binds, reads)

    def named_by(self, test_source: str) -> set[str]:
        """The solution cells whose names the test reads itself."""
        used = _read_names(test_source)
        return {g for g, names in self.binds.items() if names & used}

    def behind(self, test_source: str) -> list[str]:
        """The solution cells the test reaches only through the ones it names (transitively), in notebook order;
        not through a function the test replaces by its reference."""
        named, replaced = self.named_by(test_source), referenced(test_source)
        seen, todo = set(), list(named)
        while todo:
            for dep in self.reads.get(todo.pop(), ()):
                if dep not in seen and not self.binds[dep] & replaced:
                    seen.add(dep)
                    todo.append(dep)
        return [g for g in self.binds if g in seen - named]


def referenced(test_source: str) -> set[str]:
    """The names a test rebinds to references: the keywords of its `references(...)` calls."""
    try:
        tree = ast.parse(cells.python_source(test_source))
    except SyntaxError:
        return set()
    return {k.arg for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "references" for k in node.keywords if k.arg}


def note(behind: list[str], failing: dict[str, str]) -> str:
    """The sentence a failed test's message ends with when a function it relies on fails its own test."""
    causes = [f"{g} (which fails {failing[g]})" for g in behind if g in failing]
    return f"; it relies on {', '.join(causes)}: fix that first" if causes else ""


def _read_names(source: str) -> set[str]:
    """cells.read_names, or nothing for code that does not parse (a student's broken cell, in validate)."""
    try:
        return cells.read_names(source)
    except SyntaxError:
        return set()
