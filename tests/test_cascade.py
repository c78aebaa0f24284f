"""A failed test names the graded function it relies on, through the student's code, that fails its own test;
not one the test replaced by its reference."""
from pathlib import Path

import nbformat
import pytest

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


LABS_WITH_REFERENCES = sorted(path.parent.name for path in (ROOT / "source").glob("*/*.ipynb")
                              if any(c.metadata.get("nbgrader", {}).get("grade_id") == "references"
                                     for c in nbformat.read(path, as_version=4).cells))

# Tests that reach other solution cells only through a given helper defined in them, never through a graded
# function: lab02's order_of builds its programs with build() of the elementwise cell, whose op classes (their
# backward from the elementwise and structure cells) it makes but never differentiates.
REACHED_ONLY_THROUGH_GIVEN_HELPERS = {("lab02_autodiff", "test_topological_order"): ["elementwise", "structure"]}


def test_the_labs_with_references():
    assert {"lab01_models", "lab02_autodiff", "lab04_benchmarking", "lab06_parallel", "lab07_memory"} <= \
        set(LABS_WITH_REFERENCES)


@pytest.mark.parametrize("lab", LABS_WITH_REFERENCES)
def test_every_test_of_a_calling_function_uses_references(lab):
    notebook = source(lab)
    dependencies = Dependencies.of(notebook)
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
             if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"]["solution"]}
    assert {grade_id: dependencies.behind(t) for grade_id, t in tests.items()} == \
        {grade_id: REACHED_ONLY_THROUGH_GIVEN_HELPERS.get((lab, grade_id), []) for grade_id in tests}


def test_references_reads_the_keywords():
    assert referenced("with references(softmax=reference_softmax, f=g):\n    pass") == {"softmax", "f"}


def test_the_note_names_the_failing_dependency():
    assert note(["softmax"], {"softmax": "test_softmax"}) == \
        "; it relies on softmax (which fails test_softmax): fix that first"
    assert note(["softmax"], {}) == ""
    assert Dependencies.of(nbformat.v4.new_notebook()).behind("not python (") == []
