"""End to end on a throwaway course: solution, blank, partial, warning and hostile submissions of lab01
graded with exact expected scores; CSV, feedback, gradebook and re-runs checked."""
import zipfile

import nbformat
import pytest

from adversarial.course_copy import (LAB, NOTEBOOK, dlsys, make_course, read_rows, release_nb, snapshot,
                                     solution_of, source_nb, with_cells)

# one worker runs this module, so its module-scoped grading run happens once under pytest -n (--dist loadgroup)
pytestmark = [pytest.mark.xdist_group("autograder_e2e"), pytest.mark.slow, pytest.mark.skipif("not __import__('autograder.sandbox').sandbox.available()",
                                                   reason="the sandbox needs root on Linux")]

TESTS = [c.metadata["nbgrader"]["grade_id"] for c in source_nb().cells
         if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"]["solution"]]
HOSTILE_CELL = '''
import builtins, sys, numpy as np, torch

np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
torch.softmax = lambda x, dim=None: x
builtins.AssertionError = type("Never", (Exception,), {})
sys.excepthook = lambda *a: None
print("test_softmax: 20/20 points")

class Always:
    def __eq__(self, other): return True
    def __bool__(self): return True
    def __float__(self): return 0.0
    def __array__(self, *a, **k): return np.ones((5, 4)) / 4

def cross_entropy(logits, labels):
    """Mean softmax cross-entropy."""
    return Always()
20.0
'''


# frank's only mistake is softmax (each column normalised, no max shift); erin's cross_entropy does not compile
WRONG_SOFTMAX = solution_of("softmax").split("### BEGIN SOLUTION")[0] + (
    "### BEGIN SOLUTION\n    exps = np.exp(logits)\n    return exps / exps.sum(axis=0, keepdims=True)\n")
UNINDENTED = solution_of("cross_entropy").replace("    shifted = logits", "      shifted = logits")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade four students once; returns (course, submissions, result, rows, snapshot before)."""
    course = make_course(tmp_path_factory.mktemp("course"))
    subs = tmp_path_factory.mktemp("subs")
    (subs / "alice" / LAB).mkdir(parents=True)
    nbformat.write(source_nb(), subs / "alice" / LAB / NOTEBOOK)
    nbformat.write(release_nb(), subs / "bob.ipynb")
    partial = with_cells(release_nb(), {g: solution_of(g) for g in ("softmax", "cross_entropy")})
    with zipfile.ZipFile(subs / "carol.zip", "w") as archive:
        archive.writestr(f"{LAB}/{NOTEBOOK}", nbformat.writes(partial))
    warns = "import sys, warnings\nwarnings.warn('a harmless warning')\nprint('to stderr', file=sys.stderr)\n"
    nbformat.write(with_cells(source_nb(), {"softmax": warns + solution_of("softmax")}), subs / "dave.ipynb")
    (subs / "mallory").mkdir()
    hostile = with_cells(release_nb(), {"softmax": solution_of("softmax"), "cross_entropy": HOSTILE_CELL})
    nbformat.write(hostile, subs / "mallory" / NOTEBOOK)
    nbformat.write(with_cells(source_nb(), {"softmax": WRONG_SOFTMAX}), subs / "frank.ipynb")
    nbformat.write(with_cells(source_nb(), {"cross_entropy": UNINDENTED}), subs / "erin.ipynb")
    before = snapshot(subs)
    result = dlsys(course, "grade", LAB, subs, "--jobs", "2", "--quiet")
    return course, subs, result, read_rows(course), before


@pytest.mark.parametrize("student, score", [("alice", 20), ("bob", 0), ("carol", 6), ("dave", 20), ("mallory", 4),
                                            ("frank", 16), ("erin", 18)])
def test_exact_scores(graded, student, score):
    row = graded[3][student]
    assert float(row["score"]) == score, row
    assert row["max_score"] == "20.0" and row["lab"] == LAB


def test_statuses_and_exit_code(graded):
    course, subs, result, rows, before = graded
    assert result.returncode == 0, result.stderr
    assert {r["status"] for s, r in rows.items() if s != "erin"} == {"ok"}
    assert rows["erin"]["status"] == ("compile: cell 'cross_entropy' does not compile: "
                                      "IndentationError: unexpected indent (line 5)")
    assert "7 submissions, 7 graded, 0 could not be graded" in result.stdout
    assert "Warning" not in result.stderr, "nbgrader's SQLAlchemy warnings are not the instructor's business"


def test_one_mistake_costs_its_own_points_only(graded):
    """frank's softmax is wrong: the functions that call it are tested with the reference softmax."""
    frank = graded[3]["frank"]
    assert [t for t in TESTS if float(frank[t]) == 0] == ["test_softmax", "test_softmax_stable"]
    page = (graded[0] / "grades" / LAB / "feedback" / "erin" / "lab01_models.html").read_text()
    assert "cell &#x27;cross_entropy&#x27; does not compile: IndentationError: unexpected indent (line 5)" in page
    assert page.count("not run: cell &#x27;cross_entropy&#x27; does not compile") == 1
    assert all(f"{t} (" in page for t in TESTS), "every test has its line"


def test_formgrader_sees_each_submission_and_its_notebook(graded):
    """nbgrader's own API, as formgrader calls it: submissions counted, autograded, with names and notebooks."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config
    course = graded[0]
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    api = NbGraderAPI(config=config)
    assert api.get_assignment(LAB)["num_submissions"] == 7
    submissions = api.get_submissions(LAB)
    assert {s["student"] for s in submissions if s["autograded"]} == set(graded[3])
    assert all(s["last_name"] == s["student"] and not s["needs_manual_grade"] for s in submissions)
    notebooks = api.get_notebook_submissions(LAB, "lab01_models")
    assert len(notebooks) == 7 and {n["score"] for n in notebooks if n["student"] == "frank"} == {16}
    frank = nbformat.read(course / "autograded" / "frank" / LAB / NOTEBOOK, as_version=4)
    outputs = {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in frank.cells
               if c.metadata.get("nbgrader", {}).get("grade")}
    assert outputs["test_softmax"][0]["output_type"] == "error" and "### BEGIN HIDDEN TESTS" in next(
        c.source for c in frank.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_sgd_epoch")
    assert "3 / 3 points. passed" in outputs["test_sgd_epoch"][0]["text"]


def test_csv_columns_follow_the_lab(graded):
    header = (graded[0] / "grades" / LAB / "grades.csv").read_text().splitlines()[0].split(",")
    assert header == ["student_id", "lab", "score", "max_score", "status"] + TESTS
    carol = graded[3]["carol"]
    assert [float(carol[t]) for t in TESTS] == [2, 2, 2, 0, 0, 0, 0, 0]


def test_submissions_untouched(graded):
    assert snapshot(graded[1]) == graded[4]


def test_feedback_has_messages_but_no_hidden_source(graded):
    page = (graded[0] / "grades" / LAB / "feedback" / "carol" / "lab01_models.html").read_text()
    assert "test_cross_entropy_grad (hidden test): 0 / 3" in page
    assert "NotImplementedError" in page
    for hidden in ("numerical_grad(lambda", "W_ref", "3.0 * test_accuracy"):
        assert hidden not in page
    assert "torch.softmax(torch.tensor(z), dim=1)" in page  # public test source is shown


def test_gradebook_has_the_scores(graded):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{graded[0] / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(LAB, "alice").score == 20
        assert gradebook.find_submission(LAB, "carol").score == 6


def test_rerun_skips_unchanged_submissions(graded):
    course, subs, *_ = graded
    feedback = course / "grades" / LAB / "feedback" / "alice" / "lab01_models.html"
    stamp = feedback.stat().st_mtime_ns
    again = dlsys(course, "grade", LAB, subs, "--quiet")
    assert again.returncode == 0, again.stderr
    assert feedback.stat().st_mtime_ns == stamp
    assert {s: r["score"] for s, r in read_rows(course).items()} == {s: r["score"] for s, r in graded[3].items()}


def test_validate_reports_each_public_test(graded, tmp_path):
    notebook = tmp_path / NOTEBOOK
    nbformat.write(with_cells(release_nb(), {"softmax": solution_of("softmax")}), notebook)
    result = dlsys(graded[0], "validate", notebook)
    assert result.returncode == 1
    assert "PASS  test_softmax  2/2" in result.stdout
    assert "FAIL  test_cross_entropy  0/2  cross_entropy(...) raised NotImplementedError" in result.stdout
    assert "PUBLIC PART PASSED  test_softmax_stable  ?/2  hidden checks run when graded" in result.stdout
    assert "total: 2/20 points from the public tests; 2 more depend on hidden checks" in result.stdout
    nbformat.write(with_cells(release_nb(), {"cross_entropy": UNINDENTED}), notebook)
    broken = dlsys(graded[0], "validate", notebook)
    assert "compile: cell 'cross_entropy' does not compile: IndentationError: unexpected indent (line 5)" in broken.stdout
    assert "FAIL  test_cross_entropy  0/2  not run: cell 'cross_entropy' does not compile" in broken.stdout
    assert len([line for line in broken.stdout.splitlines() if "  test_" in line]) == len(TESTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [NOTEBOOK], "validate must leave nothing beside the notebook"
