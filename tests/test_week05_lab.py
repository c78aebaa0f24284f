"""Lab05_kernels graded in the sandbox: a kernel wrong on a ragged edge, a correct but naive kernel and a kernel
that does not compile each get the right points and status (`dlsys check` covers solution, blank and all mutants)."""
import dataclasses
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder import course, mutants, sandbox
from autograder.edition import grading_package
from autograder.grading import Options, make_tasks, run_tasks

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab05_kernels"
TILED = ("test_tiled_exact", "test_tiled_strides", "test_tiled_speedup")
SYSTOLIC = {"test_estimate_cycles": 4, "test_estimate_utilization": 2}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab05_grading"),
              pytest.mark.skipif(not sandbox.available(), reason="the grading sandbox needs root on Linux")]


def grade_mutants(names):
    """{mutant name: (scores by test id, status)} for some of the lab's mutants, graded in one pool."""
    sources = course.notebooks(ROOT, LAB)
    kept = {m.name: m for m in mutants.load_mutants(ROOT / "source" / LAB, next(iter(sources)))}
    options = Options(jobs=2, use_sandbox=True, progress=False)
    with tempfile.TemporaryDirectory(prefix="dlsys-lab05-") as temp:
        jobs = {}
        for name in names:
            mutant, folder = kept[name], Path(temp) / name
            folder.mkdir()
            nbformat.write(mutants.apply(nbformat.read(sources[mutant.notebook], as_version=4), mutant),
                           folder / mutant.notebook)
            jobs[name] = {mutant.notebook: folder / mutant.notebook}
        with grading_package(LAB, ROOT) as package_dir:
            options = dataclasses.replace(options, package_root=package_dir)
            results = run_tasks(make_tasks(jobs, sources, options), sources, options)
    return {name: (r.scores(), "; ".join(nb.status_text for nb in r.notebooks)) for name, r in results.items()}


def test_ragged_edge_naive_and_uncompilable_kernels_get_the_right_points_and_status():
    graded = grade_mutants(("tiled_drops_ragged_edge", "tiled_is_naive", "tiled_does_not_compile"))
    # Wrong on a ragged edge: loses the correctness points only (it is fast, and Part 2 is right).
    scores, status = graded["tiled_drops_ragged_edge"]
    assert status == "ok"
    assert scores["test_tiled_exact"] == 0 and scores["test_tiled_strides"] == 0
    assert scores["test_tiled_speedup"] == 3 and all(scores[t] == p for t, p in SYSTOLIC.items())
    # Correct but naive: loses the speed points only.
    scores, status = graded["tiled_is_naive"]
    assert status == "ok"
    assert (scores["test_tiled_exact"], scores["test_tiled_strides"], scores["test_tiled_speedup"]) == (4, 3, 0)
    # Does not compile: the status says so, with the first error and its line; Part 2 keeps its points.
    scores, status = graded["tiled_does_not_compile"]
    assert status.startswith("compile: cell 'tiled_kernel' did not compile: matmul_tiled, line "), status
    assert "error: expected ',' or ';'" in status
    assert all(scores[t] == 0 for t in TILED) and all(scores[t] == p for t, p in SYSTOLIC.items())
