"""One hostile submission per threat of autograder/SECURITY.md, graded in one run beside honest students:
none gains a point, each gets a status naming what happened, the honest students get 20/20 with the same
feedback. A case proves that its attack ran: it defines the answers it is credited for (`# score:`) only
after its attack ran and was refused, so a case that never ran scores 0 and fails.

A case is the code of one cell (`# cell:`, softmax by default) of the release notebook (`# base: source` for the
solution); `# --- cell: NAME` starts the code of another cell, `# --- own cell before: NAME` a cell of the
student's own (no nbgrader metadata) inserted before cell NAME. SOLUTION is the softmax answer, indented."""
import hashlib
import os
import socket
import uuid
import threading
from pathlib import Path

import nbformat
import numpy as np
import pytest

from adversarial.course_copy import (LAB, NOTEBOOK, REPO, dlsys, make_course, read_rows, release_nb, snapshot,
                                     solution_of, source_nb, with_cells)
from autograder import wire

# one worker runs this module, so its module-scoped grading run happens once under pytest -n (--dist loadgroup)
pytestmark = pytest.mark.xdist_group("autograder_adversarial")

CASES = sorted(p for p in (Path(__file__).parent / "adversarial").glob("*.py") if p.stem != "course_copy")
sandboxed = pytest.mark.skipif("not __import__('autograder.sandbox').sandbox.available()",
                               reason="the sandbox needs root on Linux")


HONEST = ("honest", "zz_victim1", "zz_victim2")       # the victims are graded last, after every attack


def header(path: Path, key: str, default: str = "") -> str:
    """The '# key:' line of a case."""
    return next((line.split(":", 1)[1].strip() for line in path.read_text().splitlines()
                 if line.startswith(f"# {key}:")), default)


def record_connections(listener, connections):
    """Append every accepted connection until the listener closes."""
    try:
        while True:
            connections.append(listener.accept())
    except OSError:
        return


def build_notebook(case: Path, code: str, correct: str):
    """The case's notebook: its cells replaced, its own cells inserted."""
    code = code.replace("SOLUTION", "\n    ".join(["pass"] + correct.splitlines()))
    nb = source_nb() if header(case, "base") == "source" else release_nb()
    replacements, own, target = {}, {}, header(case, "cell", "softmax")
    for part in code.split("\n# --- "):
        if part.startswith("cell: "):
            target, _, part = part[len("cell: "):].partition("\n")
        elif part.startswith("own cell before: "):
            name, _, body = part[len("own cell before: "):].partition("\n")
            own[name] = body
            continue
        replacements[target] = part
    nb = with_cells(nb, replacements)
    for name, body in own.items():
        index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == name)
        nb.cells.insert(index, nbformat.v4.new_code_cell(body))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every case and the honest students in one run (grade_cases)."""
    yield from grade_cases(tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("subs"), dlsys)


def grade_cases(course_dir: Path, subs: Path, grade):
    """Write every case and the honest students into subs, grade them with grade(course, *args) (the dlsys command,
    or another way of running it), yield what the tests read. A TCP listener records connection attempts; a secret in
    the grader's environment and a canary student's feedback are what some cases look for."""
    course = make_course(course_dir)
    listener = socket.create_server(("127.0.0.1", 0))
    connections = []
    threading.Thread(target=record_connections, args=(listener, connections), daemon=True).start()
    for name in HONEST:
        (subs / name).mkdir()
        nbformat.write(source_nb(), subs / name / NOTEBOOK)
    canary, own = uuid.uuid4().hex, uuid.uuid4().hex
    for name in ("canary", "canary_b"):        # the first two tasks: one on each worker
        nbformat.write(with_cells(release_nb(), {"softmax": f"def softmax(z):\n    raise ValueError('CANARY-{canary}')"}),
                       subs / f"{name}.ipynb")
    fields = dict(course=course, subs=subs, repo=REPO, port=listener.getsockname()[1], own_canary=own[::-1],
                  canary_hash=hashlib.sha256(f"CANARY-{canary}".encode()).hexdigest())
    for case in CASES:
        nbformat.write(build_notebook(case, case.read_text().format(**fields), solution_of("softmax")),
                       subs / f"{case.stem}.ipynb")
    before = snapshot(subs)
    os.environ["DLSYS_TEST_SECRET_TOKEN"] = canary
    try:
        result = grade(course, "grade", LAB, subs, "--jobs", "2", "--quiet", "--timeout", "15",
                       "--notebook-timeout", "90", "--memory", "1024")
    finally:
        del os.environ["DLSYS_TEST_SECRET_TOKEN"]
    yield course, subs, read_rows(course), before, connections, result
    listener.close()


def feedback(course: Path, student: str) -> str:
    """A student's feedback page."""
    return (course / "grades" / LAB / "feedback" / student / f"{LAB}.html").read_text()


@sandboxed
@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_hostile_submission_gains_nothing(graded, case):
    row = graded[2][case.stem]
    assert row["status"].startswith(header(case, "expect")), row["status"]
    if case.stem in CHECKS:
        CHECKS[case.stem](row, feedback(graded[0], case.stem))
    else:
        assert float(row["score"]) == float(header(case, "score", "0")), row


def check_hidden_probe(row, page):
    """The hidden requests raised in the sandbox; feedback names the exception type only."""
    assert "test_cross_entropy (hidden test): 0 / 2</h2><p>a hidden check failed (ValueError)" in page
    assert "a hidden check failed (an exception of your own)" in page
    assert "REQUEST" not in page and "Leak" not in page


def check_label_lookup(row, page):
    """Training ran with the lookup forward (some credit from the untrained network), but no lookup credit."""
    assert 0 < float(row["test_mlp_trains"]) < 1 and float(row["test_mlp_forward"]) == 0, row


CHECKS = {"hidden_probe": check_hidden_probe, "label_lookup": check_label_lookup}


@sandboxed
@pytest.mark.slow
def test_honest_student_unaffected(graded):
    course, subs, rows, before, connections, result = graded
    for name in HONEST:
        assert float(rows[name]["score"]) == 20.0 and rows[name]["status"] == "ok", rows[name]
        assert {k: v for k, v in rows[name].items() if k != "student_id"} == {
            k: v for k, v in rows["honest"].items() if k != "student_id"}
        assert feedback(course, name).replace(name, "honest") == feedback(course, "honest")
    assert snapshot(subs) == before
    assert not connections, "a sandboxed notebook reached a listener on the host's loopback"
    assert (REPO / "source" / LAB / NOTEBOOK).read_text().count("pwned") == 0


@sandboxed
@pytest.mark.slow
def test_nothing_left_running(graded):
    from autograder.pool import BASE_UID, UID_SLOTS, UidLease
    # sandbox uids still leased belong to grading runs going on beside this one (pytest -n)
    leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and (p / "status").exists()
                 and _uid(p) in range(BASE_UID, BASE_UID + UID_SLOTS) and not UidLease.leased(_uid(p))]
    assert not leftovers


def _uid(proc: Path):
    try:
        return int(next(l for l in (proc / "status").read_text().splitlines() if l.startswith("Uid:")).split()[1])
    except (OSError, StopIteration):
        return None


def test_decoder_rejects_object_arrays_and_pickles():
    tree, blobs = wire.encode(np.arange(3.0), lambda v: None)
    tree["dtype"] = "|O"
    with pytest.raises(wire.ProtocolError):
        wire.decode(tree, blobs, lambda t: None)
    with pytest.raises(wire.ProtocolError):
        wire.decode({"t": "pickle", "v": "gASVAAAA"}, [], lambda t: None)


def test_decoded_values_are_plain_data():
    tree, blobs = wire.encode({"a": [np.float32(1.5), (np.ones((2, 2)), None)]}, lambda v: None)
    value = wire.decode(tree, blobs, lambda t: None)
    assert type(value["a"][1][0]) is np.ndarray and value["a"][1][0].dtype == np.float64
    assert value["a"][0] == np.float32(1.5)


def test_arrays_keep_their_shape_and_dtype_across_the_wire():
    for array in (np.array(2.5), np.float32(1.5), np.zeros((0, 3)), np.arange(6).reshape(2, 3).T):
        tree, blobs = wire.encode(array, lambda v: None)
        back = wire.decode(tree, blobs, lambda t: None)
        assert np.shape(back) == np.shape(array) and np.asarray(back).dtype == np.asarray(array).dtype
        np.testing.assert_array_equal(back, array)


def test_remote_proxy_refuses_truthiness_and_dunders():
    from autograder.remote import RemoteObject
    proxy = RemoteObject(remote=None, tree={"id": 1}, label="softmax(...)")
    with pytest.raises(TypeError):
        bool(proxy)
    with pytest.raises(AttributeError):
        proxy.__array_interface__
