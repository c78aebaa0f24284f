"""Week 3 (architecture and abstraction layers): the bench helpers, the dispatch-overhead widget, and the
lecture, lab-session and graded-lab notebooks executed headless in fast mode."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlsys_lab.bench import LinearCost, Timing, fit_linear_cost, format_seconds, measure

ROOT = Path(__file__).resolve().parents[1]


def test_measure_calls_warmup_then_repeats_of_number_and_syncs_each_sample():
    calls, synced = [], []
    timing = measure(lambda: calls.append(1) or len(calls), warmup=3, repeat=4, number=5, sync=synced.append)
    assert len(calls) == 3 + 4 * 5
    assert synced == [1, 2, 3, 8, 13, 18, 23]  # after each warm-up call, then the last call of each sample
    assert len(timing.samples) == 4 and timing.number == 5
    assert timing.median == float(np.median(timing.samples)) and timing.spread >= 0


def test_measure_sizes_its_loop_so_a_sample_lasts_long_enough():
    timing = measure(lambda: None, warmup=0, repeat=2, min_sample_s=1e-3)
    assert timing.number > 1 and timing.number * timing.median >= 1e-4
    with pytest.raises(ValueError, match="repeat"):
        measure(lambda: None, repeat=0)


def test_timing_spread_is_the_interquartile_range():
    samples = (1.0, 2.0, 3.0, 4.0, 5.0)
    q1, q3 = np.percentile(samples, [25, 75])
    assert Timing(samples, 1).spread == pytest.approx(q3 - q1)
    assert Timing((2.0,), 1).spread == 0.0


@pytest.mark.parametrize("seconds, text", [(2.5, "2.5 s"), (3e-3, "3 ms"), (4.5e-6, "4.5 us"), (7e-9, "7 ns")])
def test_format_seconds_picks_the_unit(seconds, text):
    assert format_seconds(seconds) == text


def test_fit_linear_cost_recovers_the_model_that_generated_the_data():
    rng = np.random.default_rng(0)
    overhead, per_element = 5e-6, 2e-9
    sizes = np.logspace(0, 7, 8)
    exact = fit_linear_cost(sizes, overhead + per_element * sizes)
    assert exact.overhead == pytest.approx(overhead, rel=1e-9)
    assert exact.per_element == pytest.approx(per_element, rel=1e-9)
    assert exact.crossover == pytest.approx(overhead / per_element)
    noisy = fit_linear_cost(sizes, (overhead + per_element * sizes) * rng.uniform(0.97, 1.03, sizes.size))
    assert noisy.overhead == pytest.approx(overhead, rel=0.1)
    assert noisy.per_element == pytest.approx(per_element, rel=0.1)
    np.testing.assert_allclose(noisy(sizes), overhead + per_element * sizes, rtol=0.1)
    assert LinearCost(1.0, 0.0).crossover == float("inf")


def test_fit_linear_cost_rejects_what_it_cannot_fit():
    with pytest.raises(ValueError, match="at least 2"):
        fit_linear_cost([1], [1.0])
    with pytest.raises(ValueError, match="positive"):
        fit_linear_cost([1, 2], [1.0, 0.0])


@pytest.mark.slow
def test_limit_threads_pins_torch_blas_and_xla_in_a_fresh_process():
    code = ("from dlsys_lab.bench import limit_threads; limit_threads(1); import os, torch; "
            "from threadpoolctl import threadpool_info; "
            "print(torch.get_num_threads(), max(i['num_threads'] for i in threadpool_info()), "
            "'intra_op_parallelism_threads=1' in os.environ['XLA_FLAGS'], os.environ['TF_NUM_INTRAOP_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["1", "1", "True", "1"]


def test_dispatch_overhead_widget_redraws_bars_and_cursor_when_the_size_changes():
    import matplotlib

    matplotlib.use("Agg")
    from dlsys_lab.viz.dispatch_overhead import DispatchOverheadExplorer

    sizes = [1, 1_000, 1_000_000]
    seconds = {"eager": [1e-4, 1.1e-4, 1e-2], "jit": [1e-5, 2e-5, 2e-3]}
    explorer = DispatchOverheadExplorer(sizes, seconds, ops_per_call=10)
    heights = [bar.get_height() for bar in explorer.ax_bars.patches]
    np.testing.assert_allclose(heights, [10.0, 1.0])  # microseconds per op at n = 1
    explorer.size.value = 1_000_000
    heights_after = [bar.get_height() for bar in explorer.ax_bars.patches]
    np.testing.assert_allclose(heights_after, [1000.0, 200.0])
    assert list(explorer.cursor.get_xdata()) == [1_000_000, 1_000_000]
    assert "1,000,000" in explorer.ax_bars.get_title()
    shares = explorer.overhead_share()
    assert np.all((shares > 0) & (shares < 0.1))  # at a million elements compute dominates
    explorer.size.value = 1
    assert np.all(explorer.overhead_share() > 0.9)
    assert len(explorer.ax_curves.lines) == 3  # two curves and the cursor


def test_dispatch_overhead_widget_names_a_missing_timing():
    import matplotlib

    matplotlib.use("Agg")
    from dlsys_lab.viz.dispatch_overhead import DispatchOverheadExplorer

    with pytest.raises(ValueError, match="time every size"):
        DispatchOverheadExplorer([1, 10], {"eager": [1e-4]}, ops_per_call=3)


def executed_outputs(path):
    """Execute a notebook headless in fast mode and return all its text outputs joined."""
    from dlsys_lab.notebooks import execute_notebook

    env_backup = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        nb = execute_notebook(ROOT / path)
    finally:
        if env_backup is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backup
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") + str(output.get("data", {}).get("text/markdown", "")))
    return "\n".join(texts)


@pytest.mark.slow
@pytest.mark.notebook
def test_lecture_03_architecture_runs_in_fast_mode():
    text = executed_outputs("lectures/03_architecture.ipynb")
    assert "the four front ends agree" in text and "dL/dW1 agrees" in text
    assert "fused kernels" in text and "notebook run time" in text


@pytest.mark.slow
@pytest.mark.notebook
def test_lab_03_nn_libraries_runs_in_fast_mode():
    text = executed_outputs("labs/03_nn_libraries.ipynb")
    for library in ("PyTorch", "Keras 3", "Flax NNX + optax", "dlsys_lab"):
        assert f"{library:<18} accuracy" in text
    assert "notebook run time" in text


@pytest.mark.slow
@pytest.mark.notebook
def test_graded_lab03_solution_runs_headless():
    executed_outputs("source/lab03_nn/lab03_nn.ipynb")


POWERED = """
import sys
sys.path.insert(0, {package!r})
import pytest
import dlsys_lab
from dlsys_lab import student
assert dlsys_lab.__file__.startswith({package!r}), dlsys_lab.__file__
print("registered", len(student.use_lab("lab03_nn", {notebook!r})))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-k", "not cpu and not cuda",
                      "tests/test_nn_vs_torch.py", "tests/test_optim_vs_torch.py", "tests/test_data.py"]))
"""


@pytest.mark.slow
def test_lab03_solution_cells_power_the_framework():
    """In a grading edition (lab03's regions stubbed), the framework's own nn, optim and data tests pass on the
    pieces lab03's solution cells register: the student's code really runs the package."""
    from autograder.edition import grading_package

    with grading_package("lab03_nn", ROOT) as package:
        code = POWERED.format(package=package, notebook=str(ROOT / "source/lab03_nn/lab03_nn.ipynb"))
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "registered 18" in done.stdout and " passed" in done.stdout
