"""The hardening pieces that need no sandbox: partial credit of huge numbers, feedback of hidden parts,
student-added cells in notebook order, time-bounded writes, the sandbox's environment."""
import os
import time

import nbformat
import pytest

from autograder import cells, wire
from autograder.judge import failure_message, partial_credit, student_cells
from autograder.remote import StudentError
from autograder.sandbox import sandbox_env

TEST = "x = 1\nassert x == 1, 'public'\n### BEGIN HIDDEN TESTS\nassert f(2) == 3\n### END HIDDEN TESTS\n"


def test_partial_credit_of_numbers_no_float_holds():
    assert partial_credit(10 ** 400, 3.0) == 3.0
    assert partial_credit(1.5, 3.0) == 1.5


def failing(line_code: str, exc: Exception):
    """exc raised from a line of TEST's compiled code."""
    code = cells.python_source(TEST)
    try:
        exec(compile("\n" * (line_code - 1) + "raise exc", "<test t>", "exec"), {"exc": exc})
    except Exception as raised:  # noqa: BLE001
        return failure_message(raised, code, "<test t>", hidden=True)


def test_hidden_part_names_only_a_builtin_exception_type():
    assert failing(4, StudentError("f(...) raised ValueError: request (2,)", "ValueError")) == \
        "a hidden check failed (ValueError)"
    assert failing(4, StudentError("f(...) raised Leak_2: (2,)", "Leak_2")) == \
        "a hidden check failed (an exception of your own)"
    assert failing(4, AssertionError("expected 3, got 4")) == "a hidden check failed (AssertionError)"
    assert failing(2, AssertionError("public")) == "public"       # the public part keeps its message


def test_student_cells_run_before_the_next_graded_cell():
    nb = nbformat.v4.new_notebook()
    meta = lambda grade_id: {"nbgrader": {"grade_id": grade_id, "solution": True, "grade": False}}
    nb.cells = [nbformat.v4.new_code_cell("import math"), nbformat.v4.new_code_cell("def f(): pass", metadata=meta("f")),
                nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("h = 1"),
                nbformat.v4.new_code_cell("def g(): pass", metadata=meta("g")), nbformat.v4.new_code_cell("tail()")]
    answers, added, problems = student_cells(nb)
    assert answers == {"f": "def f(): pass", "g": "def g(): pass"}
    assert added == {"f": ["import math"], "g": ["h = 1"], "": ["tail()"]} and problems == []


def test_writes_end_at_their_deadline_when_the_reader_stalls():
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    start = time.monotonic()
    with pytest.raises(wire.ChannelTimeout):
        wire.send(write_fd, {"op": "call"}, [b"x" * (1 << 20)], time.monotonic() + 0.3)
    assert time.monotonic() - start < 5
    os.close(read_fd)
    os.close(write_fd)


def test_sandbox_environment_is_a_whitelist(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "hunter2")
    monkeypatch.setenv("DLSYS_FAST", "1")
    env = sandbox_env()
    assert "GRADER_SECRET_TOKEN" not in env and env["DLSYS_FAST"] == "1"
    assert env["HOME"] == env["PWD"] == "/tmp/work"
