"""Generated mutants: the mechanical wrong answers `dlsys check LAB --generated` grades, made only from the
answer between the solution markers, each a program that runs and differs from the solution."""
import nbformat

from autograder import generated

CELL = '''\
LIMIT = 1 + 1  # given code above the markers is never mutated

def clamp(x, xs):
    ### BEGIN SOLUTION
    y = x + 1
    z = -x
    if x >= 0:
        y = y * 2
    return [v for v in xs if v > 0.5] + [y, z]
    ### END SOLUTION
'''


def test_every_kind_of_mutation_of_the_answer_and_nothing_else():
    made = generated.cell_mutants("lab.ipynb", "clamp", CELL)
    changes = sorted((m.line, m.change) for m in made)
    assert changes == sorted([
        (5, "drop statement"), (6, "drop statement"), (5, "+ -> -"), (5, "1 -> 0"), (5, "1 -> 2"),
        (6, "drop unary -"), (7, ">= -> >"), (7, "0 -> -1"), (7, "0 -> 1"), (8, "* -> /"), (8, "2 -> 1"),
        (8, "2 -> 3"), (9, "+ -> -"), (9, "> -> >="), (9, "0.5 -> -0.5"), (9, "0.5 -> 1.5")])
    assert all(m.source.startswith("LIMIT = 1 + 1") for m in made)


def test_a_mutant_is_a_different_program_that_runs():
    solution = {}
    exec(CELL, solution)
    expected = solution["clamp"](0, [0.5, 1.0])
    for mutant in generated.cell_mutants("lab.ipynb", "clamp", CELL):
        space = {}
        exec(mutant.source, space)
        assert mutant.text in CELL
        try:
            outcome = space["clamp"](0, [0.5, 1.0])
        except (NameError, TypeError):  # a dropped assignment, list - list
            continue
        if mutant.change not in ("drop unary -", "* -> /", "2 -> 1", "2 -> 3", "0 -> -1"):  # same at x=0
            assert outcome != expected, mutant


def test_sample_is_seeded_and_bounded(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(CELL)
    cell.metadata["nbgrader"] = {"grade_id": "clamp", "solution": True, "grade": False}
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "lab.ipynb")
    sources = {"lab.ipynb": tmp_path / "lab.ipynb"}
    first, total = generated.lab_mutants(sources, 5, seed=1)
    assert total == 16 and len(first) == 5 and generated.lab_mutants(sources, 5, seed=1)[0] == first
    generated.write_notebook(tmp_path / "m.ipynb", sources["lab.ipynb"], first[0])
    assert nbformat.read(tmp_path / "m.ipynb", as_version=4).cells[0].source == first[0].source
