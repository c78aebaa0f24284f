"""Week 6: the lecture, lab-session and graded-lab notebooks execute headless in fast mode.

The widgets' callbacks are driven in test_parallel_widgets.py; the graded lab's mutants are checked by `dlsys check`.
"""
import os
from pathlib import Path

import pytest

from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_lecture_06_parallelism():
    text = printed(execute_notebook(ROOT / "lectures/06_parallelism.ipynb"))
    assert "rank 0: True   rank 1: True   rank 2: True" in text  # ring all-reduce equals gloo's
    assert "rank 0: (1, 1)   rank 1: (1, 1)   rank 2: (1, 1)" in text  # one all-reduce each way
    assert "rank 0: 3   rank 1: 2   rank 2: 1" in text  # 1F1B activations held
    # alpha-beta: with alpha 5 us and 10 GB/s the tree wins 4 KB on 64 ranks, the ring 100 MB; n* = alpha / (1.25 beta)
    assert "  64      4 KB" in text and text.split("  64      4 KB")[1].split("\n")[0].endswith("tree")
    assert text.split("  64    100 MB")[1].split("\n")[0].endswith("ring")
    assert "the tree wins below n* = 39 KB (p=4)" in text
    assert "(true 5.00)" in text and "(true 10.00)" in text
    # the ZeRO paper's figure 1, from zero_bytes_per_rank
    assert "(GB per rank, stages 0-3): [120.0, 31.4, 16.6, 1.9]" in text


def test_lab_06_parallelism():
    text = printed(execute_notebook(ROOT / "labs/06_parallelism.ipynb"))
    for variant in ("naive", "bucketed", "overlapped", "ddp"):
        assert f"\n{variant} " in text
    assert "JAX on 2 CPU devices" in text
    # DDP closes a bucket after the tensor that reaches the cap (one bucket over it); ours closes before it
    assert "DDP's rule: 2 buckets of [273448, 66560] bytes" in text
    assert "ours: 3 buckets of [11304, 262144, 66560] bytes" in text
    # measured timelines: one row per engine, a Chrome trace written
    assert "engine       median ms" in text and "Chrome trace of the three steps" in text
    for variant in ("naive", "bucketed", "overlapped"):
        assert f"\n{variant:<11} " in text
    # alpha-beta fitted on loopback, predictions next to three measured all-reduces
    assert "fit on 6 sizes: alpha = " in text
    assert "ring model  tree model  ring (ours)  tree (ours)         gloo" in text
    # ZeRO-1 and FSDP-style equal one process; bytes per rank counted (Adam: two moments, ZeRO-1 adds its shard copy)
    for strategy in ("ddp", "zero1", "fsdp"):
        assert f"{strategy} after 5 steps equals one process: True" in text
    assert "strategy             params      grads  optimizer  transient      total  (MB per rank)" in text
    assert "optimizer state per rank vs DDP: ZeRO-1 0.75, FSDP 0.50; parameters per rank vs DDP: FSDP 0.50" in text
    # an ensemble of 4 against its members; scaling over 1-4 ranks, labelled with the core count
    assert "member accuracies:" in text and "ensemble of 4: " in text
    assert f"{os.cpu_count()} cores; load average before" in text
    assert all(f"\n    {p} " in text for p in (1, 2, 3, 4))
    if os.cpu_count() < 4:
        assert f"oversubscribed: 4 ranks on {os.cpu_count()} cores" in text
    assert "scaling on " in text and "efficiency 1 ranks 1.00, 2 ranks " in text


def test_graded_lab_06_solution_runs_clean():
    nb = execute_notebook(ROOT / "source/lab06_parallel/lab06_parallel.ipynb")
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    assert all(cell.get("outputs") == [] for cell in nb.cells if cell.cell_type == "code"
               and "test_" in cell.metadata.get("nbgrader", {}).get("grade_id", ""))
