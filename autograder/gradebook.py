"""Our scores written into nbgrader's gradebook.db, so that formgrader and `nbgrader export` see them; and the
gradebook made (or repaired) without nbgrader's call of the `alembic` command, which fails when it is not on PATH.
`python -m autograder.gradebook [DB]` makes or repairs a course's gradebook (`make lab` runs it)."""
from __future__ import annotations

import sqlite3
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import nbformat

from autograder import cells


def alembic_head() -> str:
    """The newest revision of nbgrader's gradebook schema, read from its migration scripts (no subprocess)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def ensure(db: Path) -> bool:
    """Make db a complete gradebook: its tables, and the `alembic_version` table that nbgrader writes only when
    it creates the file (a run that failed on `alembic` leaves the tables without it). True when db changed."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine, inspect

    engine = create_engine(f"sqlite:///{db}")
    try:
        tables = set(inspect(engine).get_table_names())
        missing = not set(Base.metadata.tables) <= tables
        if missing:
            Base.metadata.create_all(bind=engine)
    finally:
        engine.dispose()
    if "alembic_version" in tables:
        return missing
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (alembic_head(),))
    return True


@contextmanager
def opened(root: Path):
    """The course's Gradebook, made or repaired first; SQLAlchemy's warnings about nbgrader's models are not ours."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    db = Path(root) / "gradebook.db"
    ensure(db)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(f"sqlite:///{db}") as gradebook:
            yield gradebook


def record(root: Path, lab: str, source_notebooks: dict[str, Path], scores: dict[str, dict[str, dict]]) -> None:
    """scores[student][notebook name] = {grade_id: score}; creates the assignment's cells as needed."""
    with opened(root) as gradebook:
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
            _named_student(gradebook, student)
            gradebook.update_or_create_submission(lab, student)
            for name, by_test in notebooks.items():
                for grade_id, score in by_test.items():
                    grade = gradebook.find_grade(grade_id, Path(name).stem, lab, student)
                    grade.auto_score = score
                    grade.needs_manual_grade = grade.manual_score is not None   # nbgrader's rule: review overrides
            gradebook.db.commit()


def _named_student(gradebook, student: str) -> None:
    """The student, with the id as last name unless the instructor gave names (formgrader shows "None, None")."""
    from nbgrader.api import MissingEntry
    try:
        known = gradebook.find_student(student)
    except MissingEntry:
        known = None
    if known is None or (known.last_name is None and known.first_name is None):
        gradebook.update_or_create_student(student, last_name=student, first_name="")


def main(argv: list[str]) -> int:
    """Make or repair the gradebook named (default: ./gradebook.db)."""
    db = Path(argv[0] if argv else "gradebook.db")
    if ensure(db):
        print(f"gradebook {db}: made complete (tables and alembic_version)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
