"""Grading runs against a private student edition of dlsys_lab: the sandbox imports it (earlier labs unlocked,
the graded lab and later ones stubbed, so the student's registered cells power the package), and a submission
that searches the sandbox's files, loaded modules and code objects for a stubbed region's text finds nothing,
while the same search finds an earlier (unlocked) lab's region, which shows it works."""
import csv
import json
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

from edition_course import ANSWER, REPO, SECRETS, make_course, solution_notebook

pytestmark = [pytest.mark.xdist_group("edition_sandbox"),
              pytest.mark.skipif("not __import__('autograder.sandbox').sandbox.available()",
                                 reason="the sandbox needs root on Linux")]
LAB = "lab02_toy"

SEARCH = textwrap.dedent('''\
    import gc, os, sys, types
    from dlsys_lab import student
    needles = ["_".join(parts) for parts in {needles!r}]
    roots = [p for p in sys.path if os.path.isdir(p or ".") and not p.startswith((sys.prefix, sys.base_prefix))]
    roots += ["/tmp", os.getcwd(), os.path.expanduser("~"), {course!r}, {reference!r}, "/proc/1/root" + {course!r}]
    found = set()
    def search(where, data):
        found.update(f"{{n}} in {{where}}" for n in needles if n.encode() in data)
    for root in roots:
        for folder, _, names in os.walk(root or "."):
            for name in names:
                try:
                    search(os.path.join(folder, name), open(os.path.join(folder, name), "rb").read(1 << 22))
                except OSError:
                    pass
    for module in list(sys.modules.values()):
        try:
            search(module.__name__, open(module.__file__, "rb").read())
        except (OSError, TypeError, AttributeError):
            pass
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType):
            code = obj.__code__
            words = code.co_varnames + code.co_names + tuple(c for c in code.co_consts if isinstance(c, str))
            search(code.co_qualname, " ".join(words).encode())

    @student.implements("lab02_toy")
    def clamp_positive(values):
        ### BEGIN SOLUTION
        return sorted(found) or [v if v > 0 else 0.0 for v in values]
        ### END SOLUTION
    ''')


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade an honest student, a searcher for the stubbed labs' regions and a searcher for lab01's."""
    course = make_course(tmp_path_factory.mktemp("course"))
    (course / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", course / "autograder")
    shutil.copy(REPO / "nbgrader_config.py", course)
    subs = tmp_path_factory.mktemp("subs")
    split = {lab: secret.split("_") for lab, secret in SECRETS.items()}
    cases = {"honest": ANSWER,
             "searcher": SEARCH.format(needles=[split["lab02_toy"], split["lab03_toy"], ["acc", "secret", "sum"]],
                                       course=str(course), reference=str(course / "dlsys_lab")),
             "control": SEARCH.format(needles=[split["lab01_toy"]], course=str(course),
                                      reference=str(course / "dlsys_lab"))}
    for student, cell in cases.items():
        nbformat.write(solution_notebook(LAB, cell), subs / f"{student}.ipynb")
    done = subprocess.run([sys.executable, "-m", "dlsys_lab", "--course", str(course), "grade", LAB, str(subs),
                           "--quiet", "--jobs", "1", "--timeout", "300", "--notebook-timeout", "400"],
                          capture_output=True, text=True, timeout=600)
    with open(course / "grades" / LAB / "grades.csv") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    state = json.loads((course / "grades" / LAB / "state.json").read_text())["students"]
    for student, row in rows.items():  # the test's message says what the search found
        row["message"] = state[student]["result"]["notebooks"][0]["tests"][0]["message"]
    yield rows, done


@pytest.mark.slow
def test_student_code_powers_the_stubbed_lab(graded):
    rows, done = graded
    assert rows["honest"]["score"] == "1.0" and rows["honest"]["status"] == "ok", done.stderr


@pytest.mark.slow
def test_no_stubbed_region_is_found_in_the_sandbox(graded):
    rows, done = graded
    assert rows["searcher"]["score"] == "1.0", (rows["searcher"]["message"], done.stderr)


@pytest.mark.slow
def test_the_search_finds_an_unlocked_earlier_lab(graded):
    rows, _ = graded
    assert rows["control"]["score"] == "0.0" and rows["control"]["status"] == "ok", rows["control"]
    assert "square_secret_two in /tmp/dlsys-edition-" in rows["control"]["message"], rows["control"]["message"]
