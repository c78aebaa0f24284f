"""One hostile submission per threat of autograder/SECURITY.md, graded in one run beside an honest
student: none gains a point, each gets a status naming what happened, the honest student gets 20/20."""
import socket
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


def expectation(path: Path) -> str:
    """The '# expect:' status prefix of a case."""
    return next(line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("# expect:"))


def record_connections(listener, connections):
    """Append every accepted connection until the listener closes."""
    try:
        while True:
            connections.append(listener.accept())
    except OSError:
        return


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every case and an honest student in one run; a TCP listener records connection attempts."""
    course = make_course(tmp_path_factory.mktemp("course"))
    subs = tmp_path_factory.mktemp("subs")
    listener = socket.create_server(("127.0.0.1", 0))
    connections = []
    threading.Thread(target=record_connections, args=(listener, connections), daemon=True).start()
    (subs / "honest").mkdir()
    nbformat.write(source_nb(), subs / "honest" / NOTEBOOK)
    correct = solution_of("softmax")
    for case in CASES:
        code = case.read_text().format(course=course, subs=subs, repo=REPO, port=listener.getsockname()[1])
        code = code.replace("SOLUTION", "\n    ".join(["pass"] + correct.splitlines()))
        nbformat.write(with_cells(release_nb(), {"softmax": code}), subs / f"{case.stem}.ipynb")
    before = snapshot(subs)
    result = dlsys(course, "grade", LAB, subs, "--jobs", "2", "--quiet", "--timeout", "15",
                   "--notebook-timeout", "90", "--memory", "1024")
    yield course, subs, read_rows(course), before, connections, result
    listener.close()


@sandboxed
@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_hostile_submission_gains_nothing(graded, case):
    row = graded[2][case.stem]
    assert float(row["score"]) == 0.0, row
    assert row["status"].startswith(expectation(case)), row["status"]


@sandboxed
@pytest.mark.slow
def test_honest_student_unaffected(graded):
    course, subs, rows, before, connections, result = graded
    assert float(rows["honest"]["score"]) == 20.0 and rows["honest"]["status"] == "ok"
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
