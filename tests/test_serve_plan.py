"""dl.serve.plan and dl.serve.simulate: the batcher's decisions against an independent brute-force simulation,
M/D/1 queueing theory at max_batch = 1, and batches never over max_batch."""
import numpy as np
import pytest

from dlsys_lab.serve.plan import check_requests, plan_batches
from dlsys_lab.serve.simulate import md1_mean_wait_ms, poisson_arrivals, simulate


def brute_force(arrivals, sizes, max_batch, max_wait, service):
    """The same policy by scanning every candidate moment (arrivals, deadlines, the model's free time) in order."""
    waiting, batches, free = list(range(len(arrivals))), [], -np.inf
    while waiting:
        moments = sorted({t for t in list(arrivals) + [a + max_wait for a in arrivals] + [free] if t >= free})
        for t in moments:
            queued = [i for i in waiting if arrivals[i] <= t]
            if queued and (sum(sizes[i] for i in queued) >= max_batch or t >= arrivals[queued[0]] + max_wait):
                break
        members, rows = [], 0
        for i in queued:
            if rows + sizes[i] > max_batch:
                break
            members.append(i)
            rows += sizes[i]
        batches.append((t, members))
        waiting = [i for i in waiting if i not in members]
        free = t + service(rows)
    return batches


FIXED, PER_ROW = 3.0, 0.5


def service(rows):
    return FIXED + PER_ROW * rows


@pytest.mark.parametrize("seed", range(12))
def test_plan_equals_brute_force_on_random_requests(seed):
    rng = np.random.default_rng(seed)
    max_batch = int(rng.integers(1, 9))
    arrivals = np.cumsum(rng.integers(0, 4, 40)).astype(float).tolist()  # integer ms: ties and exact deadlines
    sizes = rng.integers(1, max_batch + 1, 40).tolist()
    max_wait = float(rng.integers(0, 6))
    got = plan_batches(arrivals, sizes, max_batch, max_wait, FIXED, PER_ROW)
    want = brute_force(arrivals, sizes, max_batch, max_wait, service)
    assert [(float(t), [int(i) for i in m]) for t, m in got] == want
    assert all(sum(sizes[i] for i in m) <= max_batch for _, m in got)
    assert sorted(i for _, m in got for i in m) == list(range(40))


def test_boundaries_by_hand():
    # the second request arrives exactly at the first one's deadline: it joins
    assert plan_batches([0.0, 5.0], [1, 1], 4, 5.0, FIXED, PER_ROW) == [(5.0, [0, 1])]
    # a batch of exactly max_batch rows leaves when the last row arrives, before the deadline
    # (then request 2 waits its max_wait)
    assert plan_batches([0.0, 1.0, 2.0], [1, 2, 1], 3, 10.0, FIXED, PER_ROW) == [(1.0, [0, 1]), (12.0, [2])]
    # a request that does not fit waits for the next batch, which waits for the model (busy until 4.5 > deadline 2)
    assert plan_batches([0.0, 0.0], [3, 2], 4, 2.0, FIXED, PER_ROW) == [(0.0, [0]), (4.5, [1])]


def test_md1_mean_wait_at_max_batch_one():
    rate, d = 150.0, 4.0  # load 0.6
    sim = simulate(rate, 1, 10.0, fixed_ms=d, per_row_ms=0.0, count=60000, seed=1)
    assert set(sim.batch_sizes) == {1}
    assert sim.wait_ms.mean() == pytest.approx(md1_mean_wait_ms(rate, d), rel=0.05)
    np.testing.assert_allclose(sim.latency_ms - sim.wait_ms, d)


def test_batching_amortizes_the_fixed_cost_under_heavy_load():
    alone = simulate(400.0, 1, 0.0, fixed_ms=2.0, per_row_ms=0.1, count=3000)   # load 0.84
    batched = simulate(400.0, 16, 2.0, fixed_ms=2.0, per_row_ms=0.1, count=3000)
    assert batched.batch_sizes.max() <= 16 and batched.batch_sizes.mean() > 1.5
    assert batched.latency_ms.mean() < alone.latency_ms.mean()
    assert batched.utilization < alone.utilization


def test_bad_input():
    with pytest.raises(ValueError, match="sorted"):
        check_requests([1.0, 0.0], [1, 1], 4, 1.0)
    with pytest.raises(ValueError, match="1 to max_batch = 4 rows"):
        check_requests([0.0], [5], 4, 1.0)
    with pytest.raises(ValueError, match="max_batch >= 1"):
        simulate(10.0, 0, 1.0)
    with pytest.raises(ValueError, match="rate_per_s > 0"):
        poisson_arrivals(0.0, 5)
