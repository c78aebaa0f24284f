"""release/ matches a fresh nbgrader generate_assignment of source/ for every lab, and the release lint
rejects the authoring mistakes it names."""
import copy
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course import CourseError, labs
from autograder.lint import lint_notebook
from autograder.release import generate, release_lab

REPO = Path(__file__).resolve().parents[1]
LABS = labs(REPO)


def _cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells], nb.metadata.get("kernelspec")


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_release_is_up_to_date(lab, tmp_path):
    shutil.copytree(REPO / "source" / lab, tmp_path / "source" / lab)
    (tmp_path / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", tmp_path / "autograder")
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    generate(tmp_path, lab)
    released = tmp_path / "release" / lab
    assert not (released / "mutants").exists(), "mutants (near-solutions) must never reach a student release"
    files = lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files(released) == files(REPO / "release" / lab), f"run `dlsys release {lab}` and commit release/{lab}"
    fresh = sorted(released.glob("*.ipynb"))
    committed = sorted((REPO / "release" / lab).glob("*.ipynb"))
    for new, old in zip(fresh, committed):
        assert _cells(new) == _cells(old), f"release/{lab}/{old.name} is stale; run `dlsys release {lab}`"


def _source_nb():
    return nbformat.read(REPO / "source" / "lab01_models" / "lab01_models.ipynb", as_version=4)


def _lint(nb, tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return lint_notebook(path)


def test_lint_accepts_the_lab(tmp_path):
    assert _lint(_source_nb(), tmp_path) == []


def test_lint_rejects_solution_without_markers(tmp_path):
    nb = _source_nb()
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    cell.source = cell.source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    assert any("without ### BEGIN SOLUTION" in p for p in _lint(nb, tmp_path))


def test_lint_rejects_duplicate_grade_ids(tmp_path):
    nb = _source_nb()
    twin = copy.deepcopy(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax"))
    twin.id = "twin-of-test-softmax"  # a duplicate grade id, not a duplicate cell id (nbformat would warn)
    nb.cells.append(twin)
    assert any("duplicate grade id" in p for p in _lint(nb, tmp_path))


def test_lint_rejects_grade_cell_without_points(tmp_path):
    nb = _source_nb()
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax").metadata["nbgrader"].pop("points")
    assert any("without points" in p for p in _lint(nb, tmp_path))


def test_release_refuses_a_lab_that_fails_lint(tmp_path):
    nb = _source_nb()
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax").metadata["nbgrader"]["points"] = 0
    (tmp_path / "source" / "labx").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "source" / "labx" / "labx.ipynb")
    with pytest.raises(CourseError, match="not ready to release"):
        release_lab(tmp_path, "labx")
    with pytest.raises(CourseError, match="source/lab09 not found; labs are: labx"):
        release_lab(tmp_path, "lab09")
