"""Week 4 (performance and benchmarking): the graded pieces in the package agree with lab 04's solution cells,
the widgets redraw on input, the pitfalls and benchmarks run (structure only: no timed assertions), and the
lecture and lab-session notebooks execute headless in fast mode."""
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

from dlsys_lab.bench import bounds, harness, pitfalls, speedup
from dlsys_lab.bench.peaks import MachinePeaks
from dlsys_lab.notebooks import execute_notebook

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "source" / "lab04_benchmarking" / "lab04_benchmarking.ipynb"


def package_regions():
    regions = {}
    for path in (ROOT / "dlsys_lab" / "bench").glob("*.py"):
        for m in re.finditer(r"# BEGIN LAB lab04_benchmarking (\w+)\n(.*?)\n\s*# END LAB lab04_benchmarking",
                             path.read_text(), re.S):
            regions[m.group(1)] = m.group(2)
    return regions


def test_package_regions_are_the_graded_solutions():
    solutions = {}
    for cell in nbformat.read(LAB, as_version=4).cells:
        m = re.search(r"\ndef (\w+)\(.*?### BEGIN SOLUTION\n(.*?)\n    ### END SOLUTION", cell.source, re.S)
        if m and "@student.implements(\"lab04_benchmarking\")" in cell.source:
            solutions[m.group(1)] = m.group(2)
    assert solutions == package_regions()
    assert set(solutions) == {"percentile", "time_calls", "gemv_cost", "layernorm_cost", "classify",
                              "bootstrap_ratio_ci"}


def test_reference_pieces_agree_with_their_oracles():
    data = list(np.random.default_rng(0).exponential(size=11))
    for q in (0, 10, 25, 50, 75, 99, 100):
        assert math.isclose(harness.percentile(data, q), np.percentile(data, q))
    ticks = iter(np.cumsum([0, 1, 1, 5, 5, 2, 2, 4, 4]).tolist())
    summary = harness.time_calls(lambda: None, warmup=0, repeat=4, clock=lambda: next(ticks))
    assert summary.samples == (1, 5, 2, 4) and summary.median == 3.0 and summary.iqr == np.subtract(
        *np.percentile([1, 5, 2, 4], [75, 25]))
    assert bounds.classify(2.0, 2.0) == "compute" and bounds.classify(1.999, 2.0) == "memory"
    slow, fast = np.linspace(1.2, 1.4, 30), np.linspace(0.9, 1.1, 30)
    ratio, low, high = speedup.bootstrap_ratio_ci(slow, fast)
    assert ratio == pytest.approx(1.3 / 1.0) and low < ratio < high


def fake_peaks():
    return MachinePeaks(50.0, "test", 5.0, "test", 1, 1 << 20, {}, {}, (), {}, 0.0)


def test_roofline_explorer_moves_the_point_when_the_kernel_changes():
    from dlsys_lab.viz.roofline_explorer import RooflineExplorer

    explorer = RooflineExplorer(fake_peaks(), fast=True, device="numpy", repeat=1)
    title = explorer.ax.get_title()
    explorer.kernel.value = "axpy"
    assert explorer.ax.get_title() != title and explorer.ax.get_title().startswith("axpy")
    explorer.size.value = explorer.size.options[-1][1]
    assert len(explorer.cache) == 3
    marker = explorer.ax.lines[-1]
    point = explorer.point()
    assert marker.get_xdata()[0] == pytest.approx(point.intensity)


def test_noise_demo_interval_and_slider():
    from dlsys_lab.viz.noise_demo import NoiseDemo, median_ci

    rng = np.random.default_rng(0)
    samples = rng.lognormal(size=60)
    low, high = median_ci(samples)
    assert low <= np.median(samples) <= high
    # coverage of the order-statistic interval on a known distribution (true median of lognormal(0,1) is 1)
    hits = sum(lo <= 1.0 <= hi for lo, hi in (median_ci(rng.lognormal(size=25)) for _ in range(400)))
    assert 0.9 <= hits / 400 <= 0.995
    demo = NoiseDemo(samples, repeats=(5, 10, 50))
    assert demo.widths[0] > demo.widths[-1]
    before = demo.ax_samples.get_title()
    demo.n.value = 50
    assert demo.ax_samples.get_title() != before


def test_pitfalls_measure_wrong_and_right_and_leave_blas_settings_alone():
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS")}
    results = [pitfalls.gc_in_loop(repeat=5), pitfalls.one_run_vs_median(repeat=5, n=10_000),
               pitfalls.openblas_coretype()]
    assert {k: os.environ.get(k) for k in env} == env
    assert all(p.wrong > 0 and p.right > 0 and p.unit and p.lesson for p in results)
    assert results[1].wrong >= results[1].right  # the slowest run is never below the median
    text = pitfalls.table(results)
    assert all(p.name in text for p in results)


def test_profile_overhead_bench_runs():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import profile_overhead
    finally:
        sys.path.pop(0)
    out = profile_overhead.main(["--device", "numpy", "--rounds", "4", "--batch", "8"])
    assert out["events"] > 20 and out["ratio"] > 0 and out["check_ns"] >= 0


@pytest.mark.slow
def test_frameworks_cli_writes_a_report_with_ratios_and_machine(tmp_path):
    out = tmp_path / "report.json"
    subprocess.run([sys.executable, "-m", "dlsys_lab.bench.frameworks", "--fast", "--json", str(out),
                    "--frameworks", "torch eager,dlsys_lab numpy", "--models", "mlp", "--rounds", "3"],
                   check=True, capture_output=True, text=True, timeout=600)
    report = json.loads(out.read_text())
    rows = report["results"]["mlp"]
    assert set(rows) == {"torch eager", "dlsys_lab numpy"}
    assert rows["torch eager"]["ratio"] == pytest.approx(1.0)
    for row in rows.values():
        assert len(row["samples"]) == 3 and row["median_s"] > 0 and row["iqr_s"] >= 0
        assert "versions" in row and row["compile_s"] >= 0
    assert report["machine"]["cores"] >= 1 and len(report["load_average_after"]) == 3


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", ["lectures/04_performance.ipynb", "labs/04_benchmarking.ipynb"])
def test_week04_notebooks_run_in_fast_mode(path, tmp_path):
    nb = execute_notebook(ROOT / path, cwd=tmp_path)
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Traceback" not in outputs
    assert ("ridge" in outputs) if "lecture" in path else ("torch eager" in outputs)
