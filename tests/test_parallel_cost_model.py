"""The alpha-beta model: the fit recovers known parameters, the formulas match hand counts; the tree all-reduce
equals gloo's and sends what the formula assumes."""
import numpy as np
import pytest
import torch
import torch.distributed as dist

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.comm_measure import ALL_REDUCES, all_reduce_worker, ping_pong_worker
from dlsys_lab.parallel.cost_model import (AlphaBeta, crossover_bytes, fit_alpha_beta, ping_pong_seconds,
                                           ring_all_reduce_seconds, tree_all_reduce_seconds)
from dlsys_lab.parallel.tree_all_reduce import tree_all_reduce

SIZES = 2.0 ** np.arange(10, 27)  # 1 KB .. 64 MB


def test_fit_recovers_known_alpha_and_beta_from_noisy_times():
    rng = np.random.default_rng(0)
    alpha, beta = 30e-6, 1 / 2e9
    seconds = (alpha + SIZES * beta) * (1 + 0.02 * rng.standard_normal(SIZES.size))
    model, residuals = fit_alpha_beta(SIZES, seconds)
    assert model.alpha == pytest.approx(alpha, rel=0.05)
    assert model.beta == pytest.approx(beta, rel=0.02)
    np.testing.assert_allclose(residuals, seconds / (model.alpha + SIZES * model.beta) - 1)
    assert np.abs(residuals).max() < 0.08
    exact, zero = fit_alpha_beta(SIZES, alpha + SIZES * beta)
    assert (exact.alpha, exact.beta) == (pytest.approx(alpha, rel=1e-9), pytest.approx(beta, rel=1e-9))
    assert np.abs(zero).max() < 1e-9
    assert exact.bandwidth == pytest.approx(2e9, rel=1e-9)


def test_fit_rejects_what_cannot_determine_both_parameters():
    with pytest.raises(ValueError, match="two different message sizes"):
        fit_alpha_beta([1024, 1024], [1e-5, 2e-5])
    with pytest.raises(ValueError, match="one length"):
        fit_alpha_beta([1024, 2048], [1e-5])
    with pytest.raises(ValueError, match="positive"):
        fit_alpha_beta([1024, 2048], [1e-5, 0.0])


def test_ring_and_tree_formulas_match_hand_counts():
    model = AlphaBeta(alpha=1e-5, beta=1e-9)
    n = 8e6
    # p = 4: ring 6 steps of n/4 bytes; tree 2 rounds up and 2 down of n bytes
    assert ring_all_reduce_seconds(model, n, 4) == pytest.approx(6 * 1e-5 + 6 * 2e6 * 1e-9)
    assert tree_all_reduce_seconds(model, n, 4) == pytest.approx(4 * (1e-5 + 8e6 * 1e-9))
    # p = 3: ring 4 steps of n/3; tree ceil(log2 3) = 2 rounds each way
    assert ring_all_reduce_seconds(model, n, 3) == pytest.approx(4 * 1e-5 + 4 / 3 * n * 1e-9)
    assert tree_all_reduce_seconds(model, n, 3) == pytest.approx(4 * (1e-5 + n * 1e-9))
    # p = 2: the ring takes two steps of half the tensor
    assert ring_all_reduce_seconds(model, n, 2) == pytest.approx(2 * 1e-5 + n * 1e-9)
    assert ring_all_reduce_seconds(model, n, 1) == tree_all_reduce_seconds(model, n, 1) == 0
    # small messages favour the tree at large p (fewer latencies), large ones the ring (fewer bytes)
    assert tree_all_reduce_seconds(model, 100, 16) < ring_all_reduce_seconds(model, 100, 16)
    assert tree_all_reduce_seconds(model, 1e8, 16) > ring_all_reduce_seconds(model, 1e8, 16)
    with pytest.raises(ValueError, match="at least 1"):
        ring_all_reduce_seconds(model, n, 0)


@pytest.mark.parametrize("p", [4, 8, 64, 1000])
def test_crossover_is_where_ring_and_tree_cost_the_same(p):
    model = AlphaBeta(alpha=5e-6, beta=1e-10)
    n = crossover_bytes(model, p)
    assert n > 0
    assert ring_all_reduce_seconds(model, n, p) == pytest.approx(tree_all_reduce_seconds(model, n, p), rel=1e-12)
    assert tree_all_reduce_seconds(model, n / 2, p) < ring_all_reduce_seconds(model, n / 2, p)
    assert tree_all_reduce_seconds(model, n * 2, p) > ring_all_reduce_seconds(model, n * 2, p)
    assert crossover_bytes(model, 4) == pytest.approx(5e-6 / (1.25 * 1e-10))  # L = 2: alpha / (1.25 beta)
    assert crossover_bytes(model, 2) == crossover_bytes(model, 3) == 0.0


def tree_and_ping_pong(rank, world_size):
    x = (torch.arange(7, dtype=torch.float64) + 1) * (rank + 1) ** 2  # integers: exact in any summation order
    ours, theirs = x.clone(), x.clone()
    sent = tree_all_reduce(ours)
    dist.all_reduce(theirs)
    measured = (all_reduce_worker(rank, world_size, [64, 4096], repeat=1),
                ping_pong_worker(rank, world_size, [8, 64], 1))
    return torch.equal(ours, theirs), sent, ping_pong_seconds(4096, repeat=3), measured


@pytest.mark.slow
@pytest.mark.parametrize("world_size", [3, 4])
def test_tree_all_reduce_equals_gloo_and_ping_pong_times(world_size):
    results = launch(tree_and_ping_pong, world_size)
    nbytes = 7 * 8
    # binomial tree: every rank but 0 sends once up; a rank with k children sends k times down
    children = {3: [2, 0, 0], 4: [2, 0, 1, 0]}[world_size]
    for rank, (equal, sent, times, (all_reduces, pings)) in enumerate(results):
        assert set(all_reduces) == set(ALL_REDUCES) and all(set(t) == {64, 4096} for t in all_reduces.values())
        assert [n for n, _ in pings] == ([8, 64] if rank < 2 else [])
        assert equal, f"rank {rank}"
        assert sent == nbytes * ((rank > 0) + children[rank])
        assert len(times) == (3 if rank < 2 else 0) and all(t > 0 for t in times)


def test_fit_never_returns_a_negative_latency_or_bandwidth():
    """Times that fall with size (noise on a loaded machine) cannot mean a negative cost per byte."""
    model, _ = fit_alpha_beta([1e3, 1e4, 1e5], [3e-3, 2e-3, 1e-3])
    assert model.alpha > 0 and model.beta == 0
