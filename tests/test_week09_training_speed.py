"""Week 9's lab session (mixed precision and input-pipeline stalls) executes headless in fast mode and prints
what it measured; timings are printed, never asserted."""
import re
from pathlib import Path

import pytest

from dlsys_lab.notebooks import execute_notebook, printed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def test_lab_09_training_speed():
    text = printed(execute_notebook(ROOT / "labs/09_training_speed.ipynb"))
    assert "sum of 4096 ones: bfloat16 accumulator 256, dlsys_lab (float32 accumulator) 4096" in text
    for name, bound in (("bfloat16", 2e-2), ("float16", 3e-3)):
        ours, theirs = map(float, re.search(rf"matmul relative error, {name}: dlsys_lab ([0-9.e+-]+), "
                                            rf"torch ([0-9.e+-]+)", text).groups())
        assert ours < bound and theirs < bound
    assert "x @ W.T: bfloat16; Linear output (bias add promotes): float32; loss: float32; weight: float32, " \
           "its gradient: float32" in text
    for framework in ("dlsys_lab", "torch"):
        for precision in ("float32", "bfloat16", "float16"):
            assert re.search(rf"{framework}\s+{precision}\s+test accuracy 0\.\d+ .* final training loss [0-9.]+", text)
            assert re.search(rf"{framework} \w+ {precision}\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+x", text) or \
                re.search(rf"{framework} {precision}\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+x", text)
    # loss scaling: every float16 weight gradient underflows without it; with it, only ReLU's zeros remain
    zeros = {name: float(v) for name, v in re.findall(r"(float32|float16, no scaling|float16 \+ GradScaler)\s+zero "
                                                       r"weight gradients\s+([0-9.]+)%", text)}
    assert zeros["float16, no scaling"] == 100.0
    assert abs(zeros["float16 + GradScaler"] - zeros["float32"]) < 5.0
    # the profile holds the data waits of both loaders, with their share of the epoch
    for workers in (0, 2):
        assert re.search(rf"num_workers={workers}: first batch waited [0-9.]+ ms; after it, data wait is "
                         rf"[0-9.]+% of the epoch", text)
    assert text.count("DataLoader.wait") >= 2
