"""The accelerators table: every chip the syllabus names, each with a source, a dataflow idea and sane figures."""
import pytest

from dlsys_lab.hardware import accelerators, gpu

NAMED = ["TPU v1", "TPU v4", "H100", "H200", "B200", "MI300X", "WSE-3", "LPU", "IPU", "SN40L", "Wormhole",
         "Trainium", "Inferentia", "Neural Engine"]


@pytest.mark.parametrize("name", NAMED)
def test_every_named_chip_is_in_the_table_with_a_source(name):
    (acc,) = [a for a in accelerators.TABLE if name in a.name]
    assert acc.source and acc.dataflow and acc.peak_tflops
    assert all(v > 0 for v in acc.peak_tflops.values())


def test_the_table_agrees_with_the_gpu_roofline_specs():
    h200 = next(a for a in accelerators.TABLE if a.name == "H200 SXM")
    spec = gpu.GPUS["H200 SXM"]
    assert h200.memory_gbs == spec.bandwidth_tbs * 1e3 and h200.peak_tflops["BF16"] == spec.peaks["BF16 tensor"]
    # The ridge: BF16 989.5 TFLOP/s over 4.8 TB/s is about 206 FLOPs per byte.
    assert accelerators.ridge(h200, "BF16") == pytest.approx(989.5e3 / 4800)
    assert accelerators.ridge(next(a for a in accelerators.TABLE if "WSE" in a.name), "FP16 (sparse)") is None


def test_rows_are_one_per_chip_for_display():
    rows = accelerators.rows()
    assert len(rows) == len(accelerators.TABLE) and rows[0]["chip"] == "TPU v1"
    assert rows[0]["ridge at top precision (FLOP/B)"] == round(92e3 / 34)
