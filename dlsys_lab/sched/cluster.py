"""A discrete-event simulator of a GPU cluster running a job trace under a scheduling policy.

Jobs ask for a fixed number of GPUs (gang scheduled) for a run time. At every event (an arrival, a
completion, or for LAS a job crossing a service threshold) the policy orders the jobs and GPUs go to
them greedily in that order (a job that does not fit is skipped, so smaller ones backfill).
FIFO and SJF never stop a running job; SRTF and LAS preempt (a paused job keeps its progress).
LAS is Tiresias' discretized two-dimensional least-attained-service: the queue of a job is set by
the GPU-seconds it has received, FIFO within a queue, and no run time is known in advance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

POLICIES = ("fifo", "sjf", "srtf", "las")


@dataclass(frozen=True)
class Job:
    """A job of the trace: when it arrives, how many GPUs it needs at once, and for how long."""

    id: int
    arrival: float
    gpus: int
    duration: float


@dataclass
class Result:
    """Completion times, the GPU-by-GPU schedule [(gpu, job id, start, end)] and summary numbers."""

    policy: str
    n_gpus: int
    completion: dict[int, float]
    segments: list[tuple[int, int, float, float]] = field(repr=False)
    jct: dict[int, float] = field(repr=False)

    @property
    def mean_jct(self) -> float:
        """Mean job completion time (completion - arrival)."""
        return float(np.mean(list(self.jct.values())))

    @property
    def p99_jct(self) -> float:
        """99th percentile of job completion time."""
        return float(np.percentile(list(self.jct.values()), 99))

    @property
    def makespan(self) -> float:
        """Time of the last completion."""
        return max(self.completion.values())

    @property
    def utilization(self) -> float:
        """Busy GPU-seconds over all GPU-seconds from 0 to the makespan."""
        busy = sum(end - start for _, _, start, end in self.segments)
        return busy / (self.n_gpus * self.makespan)


def heavy_tailed_trace(n_jobs: int = 300, seed: int = 0, load: float = 0.9, n_gpus: int = 16,
                       gpu_choices=(1, 1, 1, 2, 2, 4, 8)) -> list[Job]:
    """A seeded synthetic trace: lognormal run times (sigma 1.5: a few jobs dominate), Poisson arrivals
    at the rate giving the cluster `load` on average, GPU counts drawn from gpu_choices."""
    rng = np.random.default_rng(seed)
    durations = rng.lognormal(mean=math.log(60.0), sigma=1.5, size=n_jobs)
    gpus = rng.choice(np.asarray(gpu_choices), size=n_jobs)
    if gpus.max() > n_gpus:
        raise ValueError(f"a job asks for {gpus.max()} GPUs but the cluster has {n_gpus}")
    mean_work = float(np.mean(durations * gpus))
    gaps = rng.exponential(mean_work / (load * n_gpus), size=n_jobs)
    arrivals = np.cumsum(gaps) - gaps[0]
    return [Job(i, float(a), int(g), float(d)) for i, (a, g, d) in enumerate(zip(arrivals, gpus, durations))]


def las_queue(attained: float, thresholds) -> int:
    """Tiresias' queue index: how many service thresholds (GPU-seconds) the job has passed."""
    return sum(attained >= t for t in thresholds)


def simulate(jobs: list[Job], n_gpus: int, policy: str = "fifo",
             las_thresholds=(30.0, 120.0, 480.0, 1920.0, 7680.0)) -> Result:
    """Run the trace on n_gpus under policy ('fifo', 'sjf', 'srtf' or 'las') to the last completion."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; policies are: {', '.join(POLICIES)}")
    too_big = [j.id for j in jobs if j.gpus > n_gpus or j.gpus < 1]
    if too_big:
        raise ValueError(f"jobs {too_big[:5]} ask for more GPUs than the cluster's {n_gpus} (or none)")
    pending = sorted(jobs, key=lambda j: (j.arrival, j.id))
    remaining = {j.id: j.duration for j in jobs}
    attained = {j.id: 0.0 for j in jobs}
    by_id = {j.id: j for j in jobs}
    active: list[int] = []
    placed: dict[int, list[int]] = {}  # running job -> its GPUs
    started: dict[int, float] = {}
    segments, completion = [], {}
    t, eps = 0.0, 1e-9

    def key(i):
        job = by_id[i]
        if policy == "sjf":
            return (job.duration, job.arrival, i)
        if policy == "srtf":
            return (remaining[i], job.arrival, i)
        if policy == "las":
            return (las_queue(attained[i] + eps, las_thresholds), job.arrival, i)
        return (job.arrival, i)

    def stop(i):
        for gpu in placed.pop(i):
            segments.append((gpu, i, started[i], t))

    while pending or active:
        while pending and pending[0].arrival <= t + eps:
            active.append(pending.pop(0).id)
        # allocate: running jobs keep their GPUs unless the policy preempts them
        preemptive = policy in ("srtf", "las")
        order = sorted(active, key=key)
        keep = [i for i in order if i in placed] if not preemptive else []
        free = n_gpus - sum(by_id[i].gpus for i in keep)
        chosen = set(keep)
        for i in order:
            if i not in chosen and by_id[i].gpus <= free:
                chosen.add(i)
                free -= by_id[i].gpus
        for i in [i for i in placed if i not in chosen]:
            stop(i)
        idle = sorted(set(range(n_gpus)) - {g for gs in placed.values() for g in gs})
        for i in order:
            if i in chosen and i not in placed:
                placed[i], idle = idle[:by_id[i].gpus], idle[by_id[i].gpus:]
                started[i] = t
        assert sum(len(g) for g in placed.values()) <= n_gpus
        # advance to the next event
        horizon = [pending[0].arrival - t] if pending else []
        horizon += [remaining[i] for i in placed]
        if policy == "las":
            for i in placed:
                horizon += [(th - attained[i]) / by_id[i].gpus for th in las_thresholds if th > attained[i] + eps]
        if not horizon:
            raise RuntimeError("no job can run and none will arrive: the simulator is stuck")
        dt = max(min(horizon), 0.0)
        t += dt
        for i in list(placed):
            remaining[i] -= dt
            attained[i] += dt * by_id[i].gpus
            if remaining[i] <= eps:
                stop(i)
                active.remove(i)
                completion[i] = t
    jct = {i: completion[i] - by_id[i].arrival for i in completion}
    merged = _merge(segments)
    return Result(policy, n_gpus, completion, merged, jct)


def _merge(segments):
    """Joins back-to-back segments of one job on one GPU (a re-allocation that changed nothing)."""
    out = []
    for seg in sorted(segments):
        if out and out[-1][:2] == seg[:2] and abs(out[-1][3] - seg[2]) < 1e-9:
            out[-1] = (seg[0], seg[1], out[-1][2], seg[3])
        else:
            out.append(seg)
    return out


def gantt(result: Result, ax=None, until: float | None = None):
    """A Gantt chart: one row per GPU, one colour per job; returns the figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.25 * result.n_gpus + 1.2))
    cmap = plt.get_cmap("tab20")
    for gpu, job, start, end in result.segments:
        if until is None or start < until:
            ax.barh(gpu, end - start, left=start, height=0.8, color=cmap(job % 20), edgecolor="none")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("GPU")
    ax.set_xlim(0, until or result.makespan)
    ax.set_title(f"{result.policy.upper()}: mean JCT {result.mean_jct:.0f} s, utilization {result.utilization:.0%}")
    return ax.figure
