"""The systolic-array simulator: exact products for every dataflow (folding included), its closed-form twin,
utilization, per-cycle counts and traces, and clear errors. SCALE-Sim's cycle counts: test_hardware_scalesim.py."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsys_lab.hardware import systolic

DATAFLOWS = ("os", "ws", "is")
gemms = st.tuples(st.integers(1, 23), st.integers(1, 23), st.integers(1, 23))  # M, N, K: larger than most arrays
arrays = st.tuples(st.integers(1, 7), st.integers(1, 7)).filter(lambda rc: rc[0] * rc[1] >= 2)


@settings(max_examples=25, deadline=None)
@given(gemm=gemms, array=arrays, dataflow=st.sampled_from(DATAFLOWS), seed=st.integers(0, 2**16))
def test_integer_products_are_exact_and_the_counts_agree_with_the_closed_form(gemm, array, dataflow, seed):
    (M, N, K), (rows, cols) = gemm, array
    rng = np.random.default_rng(seed)
    A, B = rng.integers(-50, 50, (M, K)), rng.integers(-50, 50, (K, N))
    C, stats = systolic.simulate(A, B, rows, cols, dataflow)
    assert C.dtype == np.int64 and np.array_equal(C, A @ B)
    assert stats.macs == M * N * K == stats.active.sum()  # every useful multiply-accumulate, counted once
    assert len(stats.active) == stats.ticks == stats.cycles + 1
    assert stats.active.max() <= rows * cols
    assert 0 < stats.utilization <= 1
    spatial = {"os": (M, N), "ws": (K, N), "is": (K, M)}[dataflow]
    assert stats.folds == -(-spatial[0] // rows) * -(-spatial[1] // cols)
    cycles, folds, utilization = systolic.estimate(M, N, K, rows, cols, dataflow)
    assert (cycles, folds) == (stats.cycles, stats.folds)
    assert utilization == pytest.approx(stats.utilization)


@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_float_products_match_numpy_in_float64(dataflow):
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((19, 11)), rng.standard_normal((11, 13)).astype(np.float32)
    C, _ = systolic.simulate(A, B, 4, 5, dataflow)
    assert C.dtype == np.float64
    np.testing.assert_allclose(C, A @ B.astype(np.float64), rtol=1e-12, atol=1e-12)


def test_a_gemm_that_fills_the_array_once_is_busy_in_a_diagonal_wave():
    # Output stationary, 4 x 4 array, K = 6: unit (i, j) works in cycles i + j ... i + j + 5, so the busy count
    # rises by diagonals, stays, then falls; the last unit finishes in cycle 6 + 3 + 3 - 1.
    C, stats = systolic.simulate(np.ones((4, 6), int), np.ones((6, 4), int), 4, 4, "os")
    assert np.array_equal(C, np.full((4, 4), 6))
    expected = [sum(1 for i in range(4) for j in range(4) if i + j <= t < i + j + 6) for t in range(12)]
    assert stats.active.tolist() == expected and stats.cycles == 11


@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_trace_shows_each_unit_and_its_busy_cycles(dataflow):
    A, B = np.arange(12).reshape(3, 4), np.arange(20).reshape(4, 5)
    C, stats = systolic.simulate(A, B, 3, 3, dataflow, trace=True)
    trace = stats.trace
    assert np.array_equal(C, A @ B)
    for grid in (trace.horizontal, trace.vertical, trace.stationary, trace.busy):
        assert grid.shape == (stats.ticks, 3, 3)
    assert np.array_equal(trace.busy.sum(axis=(1, 2)), stats.active)
    assert trace.fold.tolist() == sorted(trace.fold.tolist()) and trace.fold[-1] == stats.folds - 1
    assert trace.loading.any() == (dataflow != "os")
    if dataflow == "os":  # what the accumulators hold when the last fold ends is that fold's block of C
        assert np.array_equal(trace.stationary[-1][:3, :2], C[:, 3:])
    else:  # the stationary grid holds B's block (ws) or A's block, transposed (is), after loading
        held = trace.stationary[~trace.loading][0]
        expected = B[:3, :3] if dataflow == "ws" else A[:3, :3].T
        assert np.array_equal(held, expected)
    assert systolic.simulate(A, B, 3, 3, dataflow)[1].trace is None


def test_hardware_is_reachable_from_the_top_level_package():
    import dlsys_lab as dl

    assert dl.hardware.systolic is systolic and dl.hardware.gpu.occupancy(128, 32, 0).blocks_per_sm == 16


def test_bad_inputs_say_what_is_wrong():
    A, B = np.ones((3, 4)), np.ones((4, 2))
    with pytest.raises(ValueError, match="unknown dataflow 'rs'"):
        systolic.simulate(A, B, 2, 2, "rs")
    with pytest.raises(ValueError, match="M x K"):
        systolic.simulate(A, B.T, 2, 2)
    with pytest.raises(ValueError, match="at least two units"):
        systolic.simulate(A, B, 1, 1)
    with pytest.raises(ValueError, match="non-empty"):
        systolic.simulate(np.ones((0, 4)), B, 2, 2)
    with pytest.raises(ValueError, match="trace=True"):
        systolic.simulate(np.ones((64, 64)), np.ones((64, 64)), 4, 4, trace=True)
