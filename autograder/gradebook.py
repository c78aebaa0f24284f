"""Our scores written into nbgrader's gradebook.db, so that formgrader and `nbgrader export` see them."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat

from autograder import cells


def record(root: Path, lab: str, source_notebooks: dict[str, Path], scores: dict[str, dict[str, dict]]) -> None:
    """scores[student][notebook name] = {grade_id: score}; creates the assignment's cells as needed."""
    from nbgrader.api import Gradebook

    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from the environment's bin/
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment(lab)
        for name, path in source_notebooks.items():
            notebook = Path(name).stem
            gradebook.update_or_create_notebook(notebook, lab)
            for cell in nbformat.read(path, as_version=4).cells:
                meta = cells.nbgrader_meta(cell)
                if cells.role(cell) == cells.TEST:
                    gradebook.update_or_create_grade_cell(meta["grade_id"], notebook, lab,
                                                          max_score=float(meta["points"]), cell_type="code")
                elif cells.role(cell) == cells.SOLUTION:
                    gradebook.update_or_create_solution_cell(meta["grade_id"], notebook, lab)
        for student, notebooks in scores.items():
            gradebook.update_or_create_student(student)
            gradebook.update_or_create_submission(lab, student)
            for name, by_test in notebooks.items():
                for grade_id, score in by_test.items():
                    grade = gradebook.find_grade(grade_id, Path(name).stem, lab, student)
                    grade.auto_score = score
            gradebook.db.commit()
