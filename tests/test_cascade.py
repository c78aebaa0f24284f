"""A failed test names the graded function it relies on, through the student's code, that fails its own test;
not one the test replaced by its reference."""
from pathlib import Path

import nbformat

from autograder.cascade import Dependencies, note, referenced

ROOT = Path(__file__).resolve().parents[1]


def source(lab: str):
    return nbformat.read(ROOT / "source" / lab / f"{lab}.ipynb", as_version=4)


def test_dependencies_follow_calls_between_solution_cells():
    lab01 = Dependencies.of(source("lab01_models"))
    assert lab01.behind("W, b = sgd_epoch(W0, b0, X, y, 0.1, 8)") == ["softmax", "cross_entropy_grad"]
    assert lab01.behind("with references(cross_entropy_grad=reference_cross_entropy_grad):\n"
                        "    W, b = sgd_epoch(W0, b0, X, y, 0.1, 8)") == []
    assert lab01.behind("softmax(z)") == []
    lab07 = Dependencies.of(source("lab07_memory"))
    assert lab07.behind("segments_for_budget(1, 2)") == ["checkpoint_peak"]


def test_every_lab01_test_of_a_calling_function_uses_references():
    lab01 = source("lab01_models")
    dependencies = Dependencies.of(lab01)
    tests = [c.source for c in lab01.cells if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"]["solution"]]
    assert [dependencies.behind(t) for t in tests] == [[]] * len(tests)
    assert referenced("with references(softmax=reference_softmax, f=g):\n    pass") == {"softmax", "f"}


def test_the_note_names_the_failing_dependency():
    assert note(["softmax"], {"softmax": "test_softmax"}) == \
        "; it relies on softmax (which fails test_softmax): fix that first"
    assert note(["softmax"], {}) == ""
    assert Dependencies.of(nbformat.v4.new_notebook()).behind("not python (") == []
