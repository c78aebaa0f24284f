"""The student edition: marked regions are found and checked, stubbed so that the student's registered code
runs, absent from everything students get, published only by unlock; tested on a synthetic marked course and
on the real one (whatever regions it has)."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder import edition, regions, release
from autograder.course import CourseError
from dlsys_lab import student
from edition_course import REPO, SECRETS, make_course


def run_in(folder: Path, code: str) -> subprocess.CompletedProcess:
    """Run Python code with folder as the working directory and first on sys.path."""
    return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120)


def every_text(folder: Path) -> dict[str, str]:
    """Every text file under folder (code cells for notebooks), by path."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            texts[f"{path}.py"] = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
            continue
        try:
            texts[str(path)] = path.read_text()
        except UnicodeDecodeError:
            continue
    return texts


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The synthetic course and its student edition with lab01 and lab02 released."""
    course = make_course(tmp_path_factory.mktemp("course"))
    out = tmp_path_factory.mktemp("editions") / "student"
    edition.build_edition(course, out, ["lab01_toy", "lab02_toy"])
    return course, out


# -- markers ---------------------------------------------------------------------------------------------------

GOOD = """\
class A:
    def f(self, x, /, y=1, *args, z, **kw):
        '''doc'''
        # BEGIN LAB lab01_x A.f
        return x
        # END LAB lab01_x
"""

BAD = {
    "unclosed": ("def f():\n    # BEGIN LAB lab01_x f\n    return 1\n", "m.py:2", "never closed"),
    "unmatched": ("def f():\n    return 1\n    # END LAB lab01_x\n", "m.py:3", "without a BEGIN"),
    "nested": ("def f():\n    # BEGIN LAB lab01_x f\n    # BEGIN LAB lab01_x f\n    return 1\n"
               "    # END LAB lab01_x\n    # END LAB lab01_x\n", "m.py:3", "do not nest"),
    "other lab closes": ("def f():\n    # BEGIN LAB lab01_x f\n    return 1\n    # END LAB lab02_y\n", "m.py:4",
                         "closes the region of lab01_x"),
    "wrong name": ("def f():\n    # BEGIN LAB lab01_x g\n    return 1\n    # END LAB lab01_x\n", "m.py:2",
                   "the function is 'f'"),
    "code after": ("def f():\n    # BEGIN LAB lab01_x f\n    y = 1\n    # END LAB lab01_x\n    return y\n",
                   "m.py:5", "whole body"),
    "unknown lab": ("def f():\n    # BEGIN LAB lab09_nope f\n    return 1\n    # END LAB lab09_nope\n", "m.py:2",
                    "unknown lab 'lab09_nope'; labs are: lab01_x"),
    "malformed": ("def f():\n    # BEGIN LAB lab01_x\n    return 1\n    # END LAB lab01_x\n", "m.py:2", "malformed"),
    "not a lab": ("def f():\n    # BEGIN LAB week1 f\n    return 1\n    # END LAB week1\n", "m.py:2", "labNN_name"),
    "after code": ("def f():\n    return 1  # BEGIN LAB lab01_x f\n", "m.py:2", "line of its own"),
    "outside a function": ("# BEGIN LAB lab01_x f\nX = 1\n# END LAB lab01_x\n", "m.py:1", "not inside a function"),
}


def test_a_region_knows_its_function_and_parameters():
    (region,) = regions.find_regions(GOOD, "m.py", known_labs={"lab01_x"})
    assert (region.lab, region.name, region.begin, region.end) == ("lab01_x", "A.f", 3, 5)
    assert region.call == "self, x, y, *args, z=z, **kw" and region.body == ("        return x\n",)


def test_markers_in_strings_are_not_regions():
    assert regions.find_regions('DOC = """\n# BEGIN LAB lab01_x f\n"""\n', "m.py") == []


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_markers_name_file_and_line(case):
    text, where, words = BAD[case]
    with pytest.raises(regions.RegionError) as err:
        regions.find_regions(text, "m.py", known_labs={"lab01_x"})
    assert str(err.value).startswith(where + ":") and words in str(err.value), str(err.value)


def test_cxx_region_becomes_a_throw_with_its_include():
    text = "float f(float x) {\n    // BEGIN LAB lab05_k f\n    return x;\n    // END LAB lab05_k\n}\n"
    (region,) = regions.find_regions(text, "k.cpp")
    stubbed = regions.replace_bodies(text, [region], {region.key: regions.stub_lines(region)})
    assert stubbed.startswith("#include <stdexcept>\n") and "return x;" not in stubbed
    assert 'throw std::runtime_error("f is implemented in lab05_k' in stubbed


def test_normalised_text_ignores_whitespace_and_comments():
    assert regions.normalise("x = f( a ,b)  # why\n") == regions.normalise("x=f(a, b)")
    assert regions.normalise("a = 1; /* c */ b(2); // d", "c++") == "a=1;b(2);"


# -- the synthetic course --------------------------------------------------------------------------------------

def test_edition_holds_the_course_but_no_answer(toy):
    course, out = toy
    record = json.loads((out / edition.RECORD).read_text())
    assert record["labs"] == ["lab01_toy", "lab02_toy"] and record["unlocked"] == []
    assert record["regions"] == {"lab01_toy": ["Square.backward"], "lab02_toy": ["clamp_positive", "dot"],
                                 "lab03_toy": ["later_piece"]}
    assert record["tests_left_out"] == ["test_needs_source.py"]
    assert not (out / "source").exists() and not (out / "release" / "lab03_toy").exists()
    assert (out / "release" / "lab02_toy" / "lab02_toy.ipynb").is_file() and (out / "lectures" / "01.md").is_file()
    found = regions.package_regions(course / "dlsys_lab")
    assert len(found) == 4
    assert regions.leaks(every_text(out), found) == []
    assert not any(secret in text for text in every_text(out).values() for secret in SECRETS.values())
    assert "acc_secret_sum" not in (out / "dlsys_lab" / "kernels" / "toy.cpp").read_text()


def test_stub_raises_not_written_yet_then_runs_the_registered_code(toy):
    done = run_in(toy[1], textwrap.dedent("""
        import dlsys_lab.ops as ops
        from dlsys_lab import student
        try:
            ops.given([-1.0, 2.0])
        except student.NotWrittenYet as exc:
            print("raised:", exc.lab, exc.name)
        @student.implements("lab02_toy")
        def clamp_positive(values):
            return [max(v, 0.0) for v in values]
        print("given:", ops.given([-1.0, 2.0, 3.0]))
        student.implements("lab01_toy", name="Square.backward")(lambda self, g, x, *r, scale, **o: (g, x, r, scale, o))
        print("args:", ops.Square().backward(1.0, 3.0, 7, scale=2.0, mode="m"))
    """))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["raised: lab02_toy clamp_positive", "given: 5.0",
                                        "args: (1.0, 3.0, (7,), 2.0, {'mode': 'm'})"]


def test_edition_tests_skip_unwritten_pieces_with_their_names(toy):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests"],
                          cwd=toy[1], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 2 skipped" in done.stdout
    assert "not written yet: Square.backward is implemented in lab01_toy" in done.stdout
    assert "not written yet: clamp_positive is implemented in lab02_toy" in done.stdout


def test_unlock_puts_back_exactly_that_lab(toy, tmp_path):
    course, built = toy
    out = tmp_path / "student"
    edition.build_edition(course, out, ["lab01_toy"])
    before = (out / "dlsys_lab" / "ops.py").read_text()
    assert edition.unlock(course, "lab02_toy", out) == ["dlsys_lab/kernels/toy.cpp", "dlsys_lab/ops.py"]
    after = (out / "dlsys_lab" / "ops.py").read_text()
    found = {r.key: r for r in regions.package_regions(course / "dlsys_lab")}
    now = {r.key: r.body for r in regions.package_regions(out / "dlsys_lab")}
    assert {k for k in now if now[k] == found[k].body} == {("lab02_toy", "clamp_positive"), ("lab02_toy", "dot")}
    clamp = found["lab02_toy", "clamp_positive"]  # the only change to ops.py: its stub became the reference
    assert after.replace("".join(clamp.body), "") == before.replace("".join(regions.stub_lines(clamp)), "")
    assert edition.unlock(course, "lab02_toy", out) == [] and (out / "dlsys_lab" / "ops.py").read_text() == after
    assert json.loads((out / edition.RECORD).read_text())["unlocked"] == ["lab02_toy"]
    done = run_in(out, "import dlsys_lab.ops as ops; print(ops.given([-1.0, 2.0]))")
    assert done.stdout.strip() == "2.0", done.stderr
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    edition.build_edition(course, out, ["lab01_toy", "lab02_toy"])  # a rebuild keeps what was unlocked, and .git
    assert (out / "dlsys_lab" / "ops.py").read_text() == after and (out / ".git" / "HEAD").is_file()


def test_unlock_refuses_unknown_labs_and_folders_that_are_no_edition(toy, tmp_path):
    course, out = toy
    with pytest.raises(CourseError, match="unknown lab 'lab09_x'; labs are: lab01_toy, lab02_toy, lab03_toy"):
        edition.unlock(course, "lab09_x", out)
    with pytest.raises(CourseError, match="is not a student edition"):
        edition.unlock(course, "lab01_toy", tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CourseError, match="exists and is not a student edition"):
        edition.build_edition(course, tmp_path)
    with pytest.raises(CourseError, match="holds the course itself"):
        edition.build_edition(course, course)


def test_the_commands(toy, tmp_path, monkeypatch, capsys):
    course, _ = toy
    out = tmp_path / "cmd"
    monkeypatch.chdir(course)
    assert release.main(["--student-edition", str(out), "--labs", "lab01_toy"]) == 0
    assert "4 regions" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        release.main(["lab01_toy", "--student-edition", str(out)])
    assert "takes no LAB or --all" in capsys.readouterr().err
    assert edition.main(["nope", "--edition", str(out)]) == 2
    assert "labs are: lab01_toy, lab02_toy, lab03_toy" in capsys.readouterr().err
    done = subprocess.run([sys.executable, "-m", "dlsys_lab", "--course", str(course), "unlock", "lab01_toy",
                           "--edition", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "dlsys_lab/ops.py" in done.stdout, done.stderr


def test_grading_package_unlocks_only_earlier_labs(toy):
    course, _ = toy
    with edition.grading_package("lab02_toy", course) as folder:
        now = {r.key: r.body for r in regions.package_regions(Path(folder) / "dlsys_lab")}
        reference = {r.key: r.body for r in regions.package_regions(course / "dlsys_lab")}
        assert {k for k in now if now[k] == reference[k]} == {("lab01_toy", "Square.backward")}
    assert not Path(folder).exists()


# -- the real course -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The student edition of this repository, every lab released."""
    out = tmp_path_factory.mktemp("real") / "student"
    return edition.build_edition(REPO, out), out


def test_real_edition_has_no_answer_and_imports(real):
    record, out = real
    assert not (out / "source").exists() and not (out / ".git").exists()
    assert sorted(p.name for p in (out / "release").iterdir()) == record["labs"]
    assert {"test_labs_check.py", "test_edition_sandbox.py"} <= set(record["tests_left_out"])  # the latter
    assert not (out / "tests" / "adversarial").exists()  # imports a test module that needs source/
    found = regions.package_regions(REPO / "dlsys_lab")
    assert regions.leaks(every_text(out), found) == []
    done = run_in(out, "import dlsys_lab, dlsys_lab.student; print(dlsys_lab.__file__)")
    assert done.returncode == 0 and done.stdout.startswith(str(out)), done.stderr


def test_no_region_in_a_released_notebook_of_the_course():
    texts = {k: v for k, v in every_text(REPO / "release").items()}
    assert regions.leaks(texts, regions.package_regions(REPO / "dlsys_lab")) == []


@pytest.mark.slow
def test_real_edition_runs_framework_tests_with_skips_not_failures(real):
    _, out = real
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-x", "-k",
                           "not cpu", "tests/test_optim_vs_torch.py", "tests/test_data.py"],
                          cwd=out, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def test_sandbox_sees_the_grading_edition_not_the_instructors_package(tmp_path, monkeypatch):
    from autograder import grading as grade, sandbox
    options = grade.Options(use_sandbox=False, package_root=str(tmp_path))
    task, = [t.to_json() for t in grade.make_tasks({"s": {}}, {}, options)]
    assert task["conf"]["package_root"] == str(tmp_path)
    reference = str(edition.reference_package())
    monkeypatch.setattr(sandbox, "python_installation", lambda: {str(Path(reference).parent)})
    with pytest.raises(CourseError, match="install the course editable"):
        grade.make_tasks({"s": {}}, {}, options)

def test_use_lab_registers_a_students_pieces_in_another_kernel(real, capsys):
    """A lab session (another kernel) runs the package on the pieces of the student's graded notebook."""
    _, out = real
    notebook = REPO / "source" / "lab02_autodiff" / "lab02_autodiff.ipynb"  # a student's notebook, all written
    done = run_in(out, textwrap.dedent(f"""
        import numpy as np
        import dlsys_lab as dl
        from dlsys_lab import student
        x = dl.Tensor(np.array([0.5, 1.0]), dtype="float64")
        try:
            (x.exp() * x).sum().backward()
        except student.NotWrittenYet as exc:
            print("before:", exc.name)
        names = student.use_lab("lab02_autodiff", {str(notebook)!r})
        (x.exp() * x).sum().backward()
        print("after:", len(names), np.allclose(x.grad.numpy(), np.exp([0.5, 1.0]) * (1 + np.array([0.5, 1.0]))))
        student.use_lab("lab02_autodiff", "missing.ipynb")
    """))
    lines = done.stdout.splitlines()
    assert lines[0].startswith("before: ") and lines[-1] == "after: 16 True", done.stdout + done.stderr
    assert "lab02_autodiff: 16 of your pieces registered from lab02_autodiff.ipynb" in lines
    assert "FileNotFoundError: lab02_autodiff: no graded notebook at missing.ipynb" in done.stderr
    assert student.use_lab("lab02_autodiff") == []  # this repository holds the reference
    assert "holds the lab's reference" in capsys.readouterr().out
