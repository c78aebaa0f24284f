"""A small synthetic course with its own marked dlsys_lab (three labs, Python and C++ regions), for the
student-edition tests: meaningful whatever regions the real package has."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]

OPS = '''\
"""Toy ops of the synthetic course."""


class Square:
    """x ** 2."""

    def backward(self, out_grad, x, *rest, scale=1.0, **options):
        """Gradient of x ** 2."""
        # BEGIN LAB lab01_toy Square.backward
        square_secret_two = 2.0  # the derivative's factor
        return out_grad * square_secret_two * x * scale
        # END LAB lab01_toy


def clamp_positive(values):
    """Negative values become 0."""
    # BEGIN LAB lab02_toy clamp_positive
    clamp_secret_token = [v if v > 0 else 0.0 for v in values]
    return clamp_secret_token
    # END LAB lab02_toy


def later_piece(values):
    # BEGIN LAB lab03_toy later_piece
    later_secret_token = sorted(values, reverse=True)
    return later_secret_token
    # END LAB lab03_toy


def given(values):
    """Not graded: uses a graded piece."""
    return sum(clamp_positive(values))
'''

KERNEL = '''\
#include <vector>

float dot(const std::vector<float>& a, const std::vector<float>& b) {
    // BEGIN LAB lab02_toy dot
    float acc_secret_sum = 0;
    for (size_t i = 0; i < a.size(); ++i) acc_secret_sum += a[i] * b[i];
    return acc_secret_sum;
    // END LAB lab02_toy
}
'''

TESTS = '''\
import dlsys_lab.ops as ops


def test_square_backward():
    assert ops.Square().backward(1.0, 3.0) == 6.0


def test_clamp_through_given():
    assert ops.given([-1.0, 2.0, 3.0]) == 5.0


def test_plain():
    assert 1 + 1 == 2
'''

SECRETS = {"lab01_toy": "square_secret_two", "lab02_toy": "clamp_secret_token", "lab03_toy": "later_secret_token"}


def solution_notebook(lab: str, cell: str):
    """A one-cell graded notebook whose solution cell is `cell`, with one test cell of the lab's piece."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    answer = nbformat.v4.new_code_cell(cell)
    answer.metadata["nbgrader"] = {"grade_id": "answer", "solution": True, "grade": False, "locked": False,
                                   "schema_version": 3}
    test = nbformat.v4.new_code_cell('got = clamp_positive([-1.0, 2.0])\nassert got == [0.0, 2.0], f"got {got}"')
    test.metadata["nbgrader"] = {"grade_id": "test_clamp", "solution": False, "grade": True, "locked": True,
                                 "points": 1, "schema_version": 3}
    nb.cells = [answer, test]
    return nb


ANSWER = textwrap.dedent('''\
    from dlsys_lab import student

    @student.implements("lab02_toy")
    def clamp_positive(values):
        ### BEGIN SOLUTION
        return [v if v > 0 else 0.0 for v in values]
        ### END SOLUTION
    ''')


def make_course(root: Path) -> Path:
    """Write the synthetic course (source/ and release/ of three labs, dlsys_lab, tests, lectures) at root."""
    package = root / "dlsys_lab"
    (package / "kernels").mkdir(parents=True)
    (package / "__init__.py").write_text('"""The synthetic course\'s dlsys_lab."""\n')
    shutil.copy(REPO / "dlsys_lab" / "student.py", package / "student.py")
    (package / "ops.py").write_text(OPS)
    (package / "kernels" / "toy.cpp").write_text(KERNEL)
    (package / "nd").mkdir()
    (package / "nd" / "__init__.py").write_text("def all_devices():\n    return []\n")  # what conftest reads
    for lab in SECRETS:
        for folder in ("source", "release"):
            (root / folder / lab).mkdir(parents=True)
            nbformat.write(solution_notebook(lab, ANSWER), root / folder / lab / f"{lab}.ipynb")
        (root / "source" / lab / "mutants").mkdir()
    (root / "tests").mkdir()
    shutil.copy(REPO / "tests" / "conftest.py", root / "tests" / "conftest.py")
    (root / "tests" / "test_toy.py").write_text(TESTS)
    (root / "tests" / "test_needs_source.py").write_text('ROOT = "source/lab01_toy"\n')
    (root / "lectures").mkdir()
    (root / "lectures" / "01.md").write_text("a lecture\n")
    (root / "README.md").write_text("the synthetic course\n")
    return root
