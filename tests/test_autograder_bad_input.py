"""Bad input gets a clear status per student and loses nothing: corrupt JSON, a missing or duplicated
cell, a zip escaping its folder, a non-zip, an empty student folder, a wrong lab, an empty submissions folder."""
import copy
import zipfile

import nbformat
import pytest

from adversarial.course_copy import LAB, NOTEBOOK, dlsys, make_course, read_rows, snapshot, source_nb

# one worker runs this module, so its module-scoped grading run happens once under pytest -n (--dist loadgroup)
pytestmark = [pytest.mark.xdist_group("autograder_bad_input"), pytest.mark.skipif("not __import__('autograder.sandbox').sandbox.available()",
                                reason="the sandbox needs root on Linux")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading run over every kind of bad entry beside a good one."""
    course = make_course(tmp_path_factory.mktemp("course"))
    subs = tmp_path_factory.mktemp("subs")
    nbformat.write(source_nb(), subs / "good.ipynb")
    (subs / "corrupt.ipynb").write_text('{"cells": [ this is not json')
    missing = source_nb()
    missing.cells = [c for c in missing.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "softmax"]
    nbformat.write(missing, subs / "missing.ipynb")
    doubled = source_nb()
    index = next(i for i, c in enumerate(doubled.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    wrong = copy.deepcopy(doubled.cells[index])
    wrong.source = "def softmax(logits):\n    return logits\n"
    doubled.cells.insert(index + 1, wrong)
    nbformat.write(doubled, subs / "doubled.ipynb")
    with zipfile.ZipFile(subs / "escape.zip", "w") as archive:
        archive.writestr(f"../{NOTEBOOK}", nbformat.writes(source_nb()))
    (subs / "notazip.zip").write_bytes(b"PK but not really")
    (subs / "ghost").mkdir()
    add_hostile_entries(subs)
    before = snapshot(subs)
    result = dlsys(course, "grade", LAB, subs, "--quiet")
    return course, subs, result, read_rows(course), before


def add_hostile_entries(subs):
    """Entries that used to stop the whole run: broken zips, clashing names, links, odd ids, huge folders."""
    good = nbformat.writes(source_nb()).encode()
    with zipfile.ZipFile(subs / "deflate.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK, good)
    data = bytearray((subs / "deflate.zip").read_bytes())
    data[200:260] = bytes(range(60))                     # inside the compressed data: zlib fails on it
    (subs / "deflate.zip").write_bytes(bytes(data))
    with zipfile.ZipFile(subs / "locked.zip", "w") as archive:
        archive.writestr(NOTEBOOK, good)
    data = bytearray((subs / "locked.zip").read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the 'encrypted' flag bit
        at = data.find(signature)
        data[at + offset] |= 1
    (subs / "locked.zip").write_bytes(bytes(data))
    with zipfile.ZipFile(subs / "clash.zip", "w") as archive:
        archive.writestr("data", b"a file")
        archive.writestr("data/x.txt", b"and a folder of the same name")
        archive.writestr(NOTEBOOK, good)
    (subs / "twin").mkdir()
    (subs / "twin" / NOTEBOOK).write_bytes(good)
    (subs / "twin.ipynb").write_bytes(good)
    (subs / "linked.ipynb").symlink_to(subs / "good.ipynb")
    (subs / "newline\n.ipynb").write_bytes(good)
    (subs / "big").mkdir()
    (subs / "big" / NOTEBOOK).write_bytes(good)
    with open(subs / "big" / "sparse.bin", "wb") as handle:
        handle.truncate(512 << 20)


@pytest.mark.slow
@pytest.mark.parametrize("student, score, status", [
    ("deflate", 0, "error: deflate.zip is not a readable zip file"),
    ("locked", 0, "error: locked.zip: entry 'lab01_models.ipynb' is encrypted"),
    ("clash", 0, "error: clash.zip could not be read ("),
    ("twin", 0, "error: 2 entries for one student (twin, twin.ipynb); keep one"),
    ("linked.ipynb", 0, "error: linked.ipynb is a symbolic link"),
    ("newline\n", 0, "error: 'newline\\n' is not a usable student id"),
    ("big", 0, "error: big/ holds 512 MB, more than 64 MB"),
    ("good", 20, "ok"),
    ("corrupt", 0, "error: lab01_models.ipynb is not a valid notebook"),
    ("missing", 16, "ok (solution cell 'softmax' is missing"),   # its callers are tested with the reference softmax
    ("doubled", 20, "ok (cell 'softmax' appears twice; the first copy was graded"),
    ("escape", 0, "error: escape.zip: entry '../lab01_models.ipynb' escapes its folder"),
    ("notazip", 0, "error: notazip.zip is not a readable zip file"),
    ("ghost", 0, "error: no notebook of this lab found"),
])
def test_each_entry_gets_a_clear_status(graded, student, score, status):
    row = graded[3][student]
    assert float(row["score"]) == score and row["status"].startswith(status), row


@pytest.mark.slow
def test_nothing_lost_or_touched(graded):
    course, subs, result, rows, before = graded
    assert result.returncode == 1
    assert "14 submissions, 3 graded, 11 could not be graded" in result.stdout
    assert snapshot(subs) == before
    assert not (subs.parent / NOTEBOOK).exists()
    assert (course / "grades" / LAB / "feedback" / "corrupt" / "lab01_models.html").exists()


def test_wrong_lab_names_the_labs(tmp_path):
    course = make_course(tmp_path / "course")
    (tmp_path / "subs").mkdir()
    result = dlsys(course, "grade", "lab09", tmp_path / "subs")
    assert result.returncode == 2
    assert "source/lab09 not found; labs are: lab01_models" in result.stderr


def test_empty_submissions_folder_says_so(tmp_path):
    course = make_course(tmp_path / "course")
    (tmp_path / "subs").mkdir()
    result = dlsys(course, "grade", LAB, tmp_path / "subs")
    assert result.returncode == 1
    assert "no submissions in" in result.stderr
