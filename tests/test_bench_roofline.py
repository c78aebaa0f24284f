"""Week 4: machine_peaks (structure and sanity only: no timed assertions), the FLOP and byte formulas against
torch.utils.flop_counter and the arrays' own sizes, and the roofline figure and explanations."""
import os

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import dlsys_lab as dl
from dlsys_lab.bench import kernel_costs as costs
from dlsys_lab.bench.kernel_suite import FAST_SIZES, LIBRARIES, SIZES, build
from dlsys_lab.bench.peaks import BLAS_ENV, MachinePeaks
from dlsys_lab.bench.roofline import KernelPoint, explain, roofline


@pytest.fixture(scope="module")
def peaks():
    env_before = {k: os.environ.get(k) for k in BLAS_ENV}
    result = dl.bench.machine_peaks()
    assert {k: os.environ.get(k) for k in BLAS_ENV} == env_before, "machine_peaks must not change BLAS settings"
    return result


@pytest.mark.slow
def test_machine_peaks_structure_and_sanity(peaks):
    assert isinstance(peaks, MachinePeaks)
    assert 0.1 < peaks.gflops < 1e5 and 0.1 < peaks.gbps < 1e4
    assert peaks.ridge == pytest.approx(peaks.gflops / peaks.gbps)
    assert peaks.threads >= 1 and peaks.llc_bytes > 0
    assert peaks.gflops == max(peaks.matmul.values()) and peaks.gbps == max(peaks.bandwidth.values())
    assert {lib for lib, _ in peaks.matmul} >= {"numpy", "torch"} and set(peaks.bandwidth) == {"copy", "triad"}
    assert peaks.gflops_source.split(" matmul")[0] in {lib for lib, _ in peaks.matmul}
    assert peaks.env == {k: os.environ[k] for k in BLAS_ENV if k in os.environ}
    assert all("internal_api" in lib and "num_threads" in lib for lib in peaks.blas)
    assert dl.bench.machine_peaks() is peaks, "cached per session"
    assert "ridge" in peaks.describe()
    np.testing.assert_allclose(peaks.attainable([0.0, peaks.ridge, 1e9]), [0.0, peaks.gflops, peaks.gflops])


def test_machine_peaks_rejects_bad_thread_counts():
    with pytest.raises(ValueError, match="threads"):
        dl.bench.machine_peaks(threads=0)


def counted_flops(fn, *args):
    with FlopCounterMode(display=False) as counter:
        fn(*args)
    return counter.get_total_flops()


@pytest.mark.parametrize("m, n, k", [(3, 5, 7), (64, 32, 16)])
def test_matmul_flops_match_torch_flop_counter(m, n, k):
    assert costs.matmul(m, n, k).flops == counted_flops(torch.mm, torch.ones(m, k), torch.ones(k, n))


@pytest.mark.parametrize("size", [(2, 3, 9, 4, 3), (1, 8, 12, 6, 5)])
def test_conv2d_flops_match_torch_flop_counter(size):
    batch, channels, hw, filters, r = size
    expected = counted_flops(torch.nn.functional.conv2d, torch.ones(batch, channels, hw, hw),
                             torch.ones(filters, channels, r, r))
    assert costs.conv2d(batch, channels, hw, hw, filters, r).flops == expected


def test_attention_matmul_flops_match_torch_flop_counter():
    b, s, d = 2, 16, 8
    q = torch.ones(b, s, d)
    counted = counted_flops(lambda q, k, v: torch.softmax(q @ k.transpose(1, 2), -1) @ v, q, q, q)
    # the counter counts the two batched matmuls; scale and softmax are our 6 FLOPs per score
    assert counted == 4 * b * s * s * d
    assert costs.attention(b, s, d).flops == counted + 6 * b * s * s


@pytest.mark.parametrize("kernel", list(FAST_SIZES))
def test_compulsory_bytes_are_the_inputs_and_outputs_of_a_numpy_run(kernel):
    """An instrumented run: the arrays build() makes and the output it returns, counted by NumPy."""
    size = FAST_SIZES[kernel][0]
    cost, fn = build(kernel, size, "numpy")
    arrays = [cell.cell_contents for cell in fn.__closure__ if isinstance(cell.cell_contents, list)][0]
    out = np.asarray(fn())
    expected = sum(a.nbytes for a in arrays) + out.nbytes
    if kernel == "axpy":  # y is updated in place by the ideal kernel: read x, y and write y
        expected = 3 * arrays[0].nbytes
    assert cost.bytes == expected
    assert cost.intensity == cost.flops / cost.bytes and cost.formula == costs.formulas()[cost.kernel]


def test_every_kernel_runs_in_every_library_and_agrees_with_numpy():
    for kernel, sizes in FAST_SIZES.items():
        ref = np.asarray(build(kernel, sizes[0], "numpy")[1]())
        for library in LIBRARIES[1:]:
            out = build(kernel, sizes[0], library, device="numpy")[1]()
            out = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
            np.testing.assert_allclose(out, ref, rtol=2e-4, atol=2e-4, err_msg=f"{kernel} in {library}")
    assert set(SIZES) == set(FAST_SIZES)
    with pytest.raises(ValueError, match="unknown kernel"):
        build("fft", (4,), "numpy")


def fake_peaks(gflops=100.0, gbps=10.0, llc=1 << 20):
    return MachinePeaks(gflops, "test", gbps, "test", 1, llc, {}, {}, (), {}, 0.0)


def point(cost, gflops, library="numpy", spread=0.0):
    return KernelPoint(cost, library, cost.flops / (gflops * 1e9), spread)


def test_explain_names_cache_residency_above_the_roof_and_overheads_below():
    peaks = fake_peaks()
    small, big = costs.axpy(1000), costs.axpy(10**8)
    assert "cache" in explain(peaks, point(small, 20 * small.intensity * peaks.gbps))
    assert "beyond measurement error" in explain(peaks, point(big, 20 * big.intensity * peaks.gbps))
    tiny = costs.axpy(100)  # 12 us at 1% of the roof
    assert "fixed overhead" in explain(peaks, point(tiny, 0.01 * tiny.intensity * peaks.gbps))
    mm = costs.matmul(512, 512, 512)
    assert explain(peaks, point(mm, 90.0)) == "90% of the compute roof"


def test_roofline_draws_the_roof_and_one_marker_per_point():
    import matplotlib
    matplotlib.use("Agg")
    peaks = fake_peaks()
    pts = [point(costs.axpy(10**6), 1.0), point(costs.matmul(256, 256, 256), 50.0, "torch")]
    fig = roofline(peaks, pts)
    ax = fig.axes[0]
    roof = ax.lines[0]
    np.testing.assert_allclose(roof.get_ydata(), np.minimum(100.0, roof.get_xdata() * 10.0))
    assert len(ax.containers) == len(pts)  # one errorbar container per point
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
