"""Scheduling: exact min-peak operator orders (checked by brute force), the greedy one, and the cluster
simulator's known orderings of mean job completion time on a seeded heavy-tailed trace."""
import itertools
import random

import matplotlib
import pytest

import dlsys_lab as dl
from dlsys_lab import sched
from dlsys_lab.memory import Graph, Node
from dlsys_lab.memory.schedule import greedy_order, min_peak_order, peak_of_order

matplotlib.use("Agg")


def _random_graph(rng, n):
    nodes = []
    for i in range(n):
        inputs = tuple(f"v{j}" for j in sorted(rng.sample(range(i), rng.randint(0, min(i, 3)))))
        nodes.append(Node(f"v{i}", "op", inputs, rng.randint(1, 50)))
    return Graph(nodes)


def _brute_force_peak(graph):
    best = None
    for perm in itertools.permutations([n.name for n in graph.nodes]):
        try:
            peak = peak_of_order(graph, list(perm))
        except ValueError:
            continue
        best = peak if best is None else min(best, peak)
    return best


def test_exact_order_is_the_brute_force_minimum_and_beats_greedy_and_framework_order():
    rng = random.Random(0)
    for _ in range(40):
        g = _random_graph(rng, rng.randint(1, 7))
        order, peak = min_peak_order(g)
        assert peak == peak_of_order(g, order) == _brute_force_peak(g)
        greedy, greedy_peak = greedy_order(g)
        assert greedy_peak == peak_of_order(g, greedy) >= peak
        assert peak <= peak_of_order(g, [n.name for n in g.nodes])


def test_exact_search_handles_20_nodes_and_refuses_more():
    g = _random_graph(random.Random(1), 20)
    _, peak = min_peak_order(g)
    assert peak <= greedy_order(g)[1]
    with pytest.raises(ValueError, match="greedy_order"):
        min_peak_order(_random_graph(random.Random(2), 40))
    with pytest.raises(ValueError, match="topological"):
        peak_of_order(g, [n.name for n in reversed(g.nodes)])


def test_a_known_case_where_order_matters():
    # two branches: a big temporary each; running one branch to its end before starting the other halves the peak
    g = Graph([Node("x", "input", (), 1), Node("a1", "op", ("x",), 100), Node("b1", "op", ("x",), 100),
               Node("a2", "op", ("a1",), 1), Node("b2", "op", ("b1",), 1), Node("out", "op", ("a2", "b2"), 1)])
    assert peak_of_order(g, [n.name for n in g.nodes]) == 201
    assert min_peak_order(g)[1] == greedy_order(g)[1] == 102


@pytest.fixture(scope="module")
def results():
    return {seed: {p: sched.simulate(sched.heavy_tailed_trace(seed=seed), 16, p) for p in sched.POLICIES}
            for seed in (0, 1, 2)}


def test_known_orderings_of_mean_jct(results):
    for by_policy in results.values():
        fifo, sjf, srtf, las = (by_policy[p].mean_jct for p in ("fifo", "sjf", "srtf", "las"))
        assert srtf <= sjf <= fifo
        assert las <= fifo and las - srtf <= 0.5 * (fifo - srtf)  # LAS, blind to sizes, keeps most of SRTF's gain


def test_every_job_completes_and_no_gpu_runs_two_jobs(results):
    jobs = {j.id: j for j in sched.heavy_tailed_trace(seed=0)}
    for r in results[0].values():
        assert set(r.completion) == set(jobs)
        per_gpu = {}
        for gpu, job, start, end in r.segments:
            assert 0 <= gpu < r.n_gpus and start >= jobs[job].arrival - 1e-9
            per_gpu.setdefault(gpu, []).append((start, end))
        for spans in per_gpu.values():
            spans.sort()
            assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:]))
        served = {}
        for _, job, start, end in r.segments:
            served[job] = served.get(job, 0.0) + end - start
        for job_id, job in jobs.items():
            assert served[job_id] == pytest.approx(job.gpus * job.duration, rel=1e-9)
        assert 0 < r.utilization <= 1 and r.p99_jct >= r.mean_jct


def test_bad_input_and_the_gantt_chart(results):
    assert dl.sched is sched and dl.memory.track is not None  # reachable right after import dlsys_lab
    with pytest.raises(ValueError, match="more GPUs"):
        sched.simulate([sched.Job(0, 0.0, 32, 1.0)], 16)
    with pytest.raises(ValueError, match="policies are"):
        sched.simulate([], 16, "round_robin")
    fig = sched.gantt(results[0]["las"])
    assert len(fig.axes[0].patches) == len(results[0]["las"].segments)
