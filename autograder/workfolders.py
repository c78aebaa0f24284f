"""nbgrader's working folders for what we graded, so formgrader lists each submission, shows its notebook and lets
an instructor grade by hand: submitted/<student>/<lab>/ (the notebook as handed in) and autograded/<student>/<lab>/
(the same with the course's test cells, hidden parts included, each showing its outcome as output)."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder import cells
from autograder.protocol import SubmissionResult, TestResult
from autograder.report import points


def write(root: Path, lab: str, student: str, sources: dict[str, Path], copies: dict[str, Path],
          result: SubmissionResult) -> None:
    """Write both folders for one graded student; copies maps notebook names to the student's notebooks."""
    outcomes = {nb.notebook: {t.grade_id: t for t in nb.tests} for nb in result.notebooks}
    for folder in ("submitted", "autograded"):
        shutil.rmtree(Path(root) / folder / student / lab, ignore_errors=True)
    for name, copy in copies.items():
        if name not in sources:
            continue
        submitted = Path(root) / "submitted" / student / lab / name
        submitted.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, submitted)
        autograded = Path(root) / "autograded" / student / lab / name
        autograded.parent.mkdir(parents=True, exist_ok=True)
        notebook = autograded_notebook(nbformat.read(sources[name], as_version=4),
                                       nbformat.read(copy, as_version=4), outcomes.get(name, {}))
        nbformat.write(notebook, autograded)


def autograded_notebook(source_nb, student_nb, outcomes: dict[str, TestResult]):
    """The student's notebook with each test cell replaced by the course's and given its outcome as output."""
    tests = {cells.nbgrader_meta(c)["grade_id"]: c for c in source_nb.cells if cells.role(c) == cells.TEST}
    for cell in student_nb.cells:
        grade_id = cells.nbgrader_meta(cell).get("grade_id")
        if grade_id in tests:
            cell.source, cell.metadata = tests[grade_id].source, tests[grade_id].metadata
            cell.outputs = [_output(outcomes[grade_id])] if grade_id in outcomes else []
        elif cell.cell_type == "code":
            cell.outputs = []
    return student_nb


def _output(test: TestResult):
    """A test that earned points prints its outcome; one that earned none shows it as an error, as a test cell
    that raised would."""
    line = f"{test.grade_id}: {points(test.score)} / {points(test.points)} points. {test.message}"
    if test.score > 0:
        return nbformat.v4.new_output("stream", name="stdout", text=line + "\n")
    return nbformat.v4.new_output("error", ename="TestFailed", evalue=test.message, traceback=[line])
