"""Mutant files (source/LAB/mutants/NAME.diff): every one applies to today's solution and compiles; a
stale or broken one is an error that names it; `python -m autograder.mutants new` writes one that round-trips."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import cells, mutants
from autograder.course import labs

REPO = Path(__file__).resolve().parents[1]
CELL = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return 2 * y\n    ### END SOLUTION\n"


def notebook_with(source: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": "f", "solution": True, "grade": False, "locked": False,
                                 "schema_version": 3}
    nb.cells.append(cell)
    return nb


def write_mutant(tmp_path: Path, edited: str, name: str = "m") -> mutants.Mutant:
    (tmp_path / "mutants").mkdir(exist_ok=True)
    (tmp_path / "mutants" / f"{name}.diff").write_text(mutants.diff_text("what is wrong", "f", CELL, edited))
    [mutant] = [m for m in mutants.load_mutants(tmp_path, "lab.ipynb") if m.name == name]
    return mutant


@pytest.mark.parametrize("lab", labs(REPO))
def test_every_mutant_applies_to_the_current_solution_and_changes_it(lab):
    lab_dir = REPO / "source" / lab
    notebooks = {p.name: nbformat.read(p, as_version=4) for p in sorted(lab_dir.glob("*.ipynb"))}
    found = mutants.load_mutants(lab_dir, next(iter(notebooks)))
    assert found, f"{lab} has no mutants"
    for mutant in found:
        nb = notebooks[mutant.notebook]
        mutated = mutants.apply(nb, mutant)  # raises when stale or not compiling
        changed = [(a.source, b.source) for a, b in zip(nb.cells, mutated.cells) if a.source != b.source]
        assert len(changed) == 1, mutant.name
        markers = [[line.strip() for line in code.splitlines() if "### BEGIN SOLUTION" in line
                    or "### END SOLUTION" in line] for code in changed[0]]
        assert markers[0] == markers[1], f"{mutant.name} changes the solution markers; change only the code"


def test_a_mutant_changes_only_its_lines_and_keeps_the_markers(tmp_path):
    mutant = write_mutant(tmp_path, CELL.replace("x + 1", "x - 1"))
    assert len(mutant.hunks) == 1
    got = mutants.apply(notebook_with(CELL), mutant).cells[0].source
    assert got == CELL.replace("x + 1", "x - 1")


def test_a_stale_mutant_names_itself_instead_of_testing_the_wrong_thing(tmp_path):
    mutant = write_mutant(tmp_path, CELL.replace("x + 1", "x - 1"), name="off_by_two")
    with pytest.raises(ValueError, match="off_by_two.*no longer there"):
        mutants.apply(notebook_with(CELL.replace("x + 1", "x + 2")), mutant)


def test_a_mutant_that_does_not_compile_is_refused(tmp_path):
    mutant = write_mutant(tmp_path, CELL.replace("    y = x + 1", "        y = x + 1"), name="indented")
    with pytest.raises(ValueError, match="indented does not compile"):
        mutants.apply(notebook_with(CELL), mutant)


def test_a_file_without_its_header_is_an_error_naming_the_fix(tmp_path):
    (tmp_path / "mutants").mkdir()
    (tmp_path / "mutants" / "bare.diff").write_text("--- solution\n+++ mutant\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(ValueError, match="# mutant: what is wrong"):
        mutants.load_mutants(tmp_path, "lab.ipynb")


def test_new_writes_a_mutant_from_an_edited_copy_of_the_cell(tmp_path):
    nb = notebook_with(CELL)
    nbformat.write(nb, tmp_path / "lab.ipynb")
    edited = tmp_path / "edited.py"
    edited.write_text(CELL.replace("2 * y", "y"))
    done = subprocess.run([sys.executable, "-m", "autograder.mutants", "new", str(tmp_path), "forgot_double",
                           str(edited), "--cell", "f", "--why", "returns y, not 2 y"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [mutant] = mutants.load_mutants(tmp_path, "lab.ipynb")
    assert (mutant.name, mutant.description, mutant.cell) == ("forgot_double", "returns y, not 2 y", "f")
    assert mutants.apply(nb, mutant).cells[0].source == CELL.replace("2 * y", "y")
    assert cells.role(mutants.apply(nb, mutant).cells[0]) == cells.SOLUTION
