"""Every process boundary of the grader carries a typed message of autograder.protocol: each round-trips through
JSON unchanged, a malformed one is a ValueError (never a wrong grade), statuses are never parsed from text, and
a real worker process hands back a typed result."""
import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder import protocol
from autograder.protocol import (CellError, NotebookResult, SandboxStart, Status, SubmissionResult, Task,
                                 TestResult)
from autograder.sandbox import Limits

REPO = Path(__file__).resolve().parents[1]


def _through_json(message):
    """The message as the other process sees it: serialised to bytes and read back."""
    return type(message).from_json(json.loads(json.dumps(message.to_json())))


def _result() -> SubmissionResult:
    tests = [TestResult("test_a", 2.0, 2.0, "passed", False, "assert f(1) == 2"),
             TestResult("test_b", 3.0, 1.25, "partial credit: 1.25 of 3 points", True)]
    return SubmissionResult("alice", [
        NotebookResult("lab.ipynb", tests, Status.TIMEOUT, "cell 'f' ran over 30 s",
                       ["cell 'f' appears twice; the first copy was graded"]),
        NotebookResult("other.ipynb", status=Status.ERROR, detail="other.ipynb not found")])


@pytest.mark.parametrize("message", [
    Task("s1", {"lab.ipynb": "/course/source/lab.ipynb"}, {"lab.ipynb": "/tmp/s1/lab.ipynb"},
         Limits(cell_timeout=2.5, memory_mb=512), True, {"package_root": "/tmp/edition", "packages": ["dlsys_lab"],
                                                          "readable": ["/usr"]}),
    _result(),
    SubmissionResult("bob", status=Status.GRADER, detail="the judge did not finish in time"),
    SandboxStart("/tmp/s1", Limits(notebook_timeout=9.0), False, {"package_root": ""}, ["data.csv"]),
    CellError("MemoryError", "out of memory"),
], ids=lambda m: type(m).__name__)
def test_every_message_round_trips(message):
    assert _through_json(message) == message


def test_every_status_round_trips_and_reads_as_before():
    for status in Status:
        result = NotebookResult("lab.ipynb", status=status, detail="why")
        assert _through_json(result).status is status
    assert Status.OK.text("ignored") == "ok"
    assert Status.CRASHED.text("segmentation fault (SIGSEGV)") == "crashed: segmentation fault (SIGSEGV)"
    assert SubmissionResult("x", status=Status.GRADER, detail="boom").status_text == "error: grader error: boom"
    assert SubmissionResult("x", status=Status.ERROR, detail="bad zip").status_text == "error: bad zip"
    assert [s for s in Status if not s.graded] == [Status.ERROR, Status.GRADER]


def test_a_notebook_keeps_its_first_status():
    result = NotebookResult("lab.ipynb")
    result.set_status(Status.COMPILE, "cell 'f' does not compile")
    result.set_status(Status.MEMORY, "cell 'g' ran out of memory")
    assert (result.status, result.status_text) == (Status.COMPILE, "compile: cell 'f' does not compile")


@pytest.mark.parametrize("kind, spoil", [
    (Task, lambda m: m.update(limits={"cell_timeout": "30"})),
    (Task, lambda m: m.update(limits={"no_such_limit": 1})),
    (Task, lambda m: m.update(student_notebooks={"lab.ipynb": 3})),
    (Task, lambda m: m.update(sandbox="yes")),
    (SubmissionResult, lambda m: m.update(status="ok: but not really")),
    (SubmissionResult, lambda m: m["notebooks"][0]["tests"][0].update(score="2")),
    (SubmissionResult, lambda m: m["notebooks"][0]["tests"][0].update(hidden=1)),
    (SubmissionResult, lambda m: m["notebooks"][0].pop("detail")),
    (SandboxStart, lambda m: m.update(names="data.csv")),
])
def test_a_malformed_message_is_a_value_error(kind, spoil):
    good = {Task: Task("s", {"lab.ipynb": "a"}, {"lab.ipynb": "b"}), SubmissionResult: _result(),
            SandboxStart: SandboxStart("/tmp", Limits(), True, {})}[kind].to_json()
    spoil(good)
    with pytest.raises((ValueError, KeyError)):
        kind.from_json(good)


def test_a_sandbox_error_carries_no_status_and_is_bounded():
    """The sandbox is untrusted: what it reports is an exception's name and message, cut to size; extra keys
    (a forged status, points) are dropped, and anything malformed is a nameless error."""
    forged = CellError.from_json({"type": "X" * 500, "message": "m" * 5000, "status": "ok", "score": 100})
    assert forged == CellError("X" * 100, "m" * 2000)
    assert CellError.from_json(["not", "a", "dict"]) == CellError()
    assert set(forged.to_json()) == {"type", "message"}


def test_no_status_string_is_parsed_in_the_grader():
    """Statuses are compared as Status members: no code of the grader looks inside a status's text."""
    parsing = re.compile(r"""(status|error)\w*(\[[^]]*\])?\.(startswith|split|partition)\(|"error" in result"""
                         r"""|(status|error)\w*(\[[^]]*\])?\s*[!=]=\s*["']|["'](ok|error)["']\s*[!=]=""")
    offenders = [f"{path.name}:{n}" for path in sorted((REPO / "autograder").glob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if parsing.search(line)]
    assert offenders == []


def test_a_worker_process_answers_a_task_with_a_typed_result(tmp_path):
    """Across the real command -> worker -> judge boundary: a task whose notebook is missing comes back as a
    SubmissionResult naming it, with its task id."""
    from autograder.pool import Worker
    source = tmp_path / "lab.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), source)
    task = Task("carol", {"lab.ipynb": str(source)}, {}, Limits(notebook_timeout=30.0), False, {})
    worker = Worker(0, [])
    try:
        result, restart = worker.grade(task)
        empty, restart_after = worker.grade(Task("dave", {}, {}, Limits(), False, {}))
    finally:
        worker.close()
    assert not restart and result == SubmissionResult("carol", [NotebookResult(
        "lab.ipynb", status=Status.ERROR, detail="lab.ipynb not found in the submission")])
    assert (empty, restart_after) == (SubmissionResult("dave"), False)


def test_the_protocol_module_names_every_message():
    assert {"Task", "TestResult", "NotebookResult", "SubmissionResult", "SandboxStart", "CellError",
            "Status"} <= set(vars(protocol))
