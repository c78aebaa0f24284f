"""ASHA (Li et al. 2020): asynchronous successive halving, so a free worker never waits for a rung to fill.

A free worker promotes the best config of the highest rung that has one in its top 1/eta not yet promoted;
when no rung has, it starts a new config at the lowest rung. Runs on any concurrent.futures.Executor
(threads by default; a Dask client's get_executor() puts it on a cluster).
"""
from __future__ import annotations

import concurrent.futures as cf

import numpy as np

from .result import Evaluation, Result, best_of, rank_loss
from .successive_halving import check_budgets


class _Rungs:
    """The state ASHA's scheduler decides from: the losses seen at each rung and who was promoted."""

    def __init__(self, min_budget, max_budget, eta):
        self.eta, self.budgets = eta, []
        while not self.budgets or self.budgets[-1] < max_budget:
            self.budgets.append(min(min_budget * eta ** len(self.budgets), max_budget))
        self.losses = [{} for _ in self.budgets]
        self.promoted = [set() for _ in self.budgets]

    def promotion(self):
        """(trial_id, rung) of the next promotion, searching from the top rung down; None if none is due."""
        for rung in range(len(self.budgets) - 2, -1, -1):
            seen = self.losses[rung]
            top = sorted(seen, key=lambda t: (seen[t], t))[:len(seen) // self.eta]
            waiting = [t for t in top if t not in self.promoted[rung]]
            if waiting:
                self.promoted[rung].add(waiting[0])
                return waiting[0], rung + 1
        return None


def asha(objective, sample_config, min_budget, max_budget, eta: int = 3, n_trials: int = 27, workers: int = 2,
         seed: int = 0, executor: cf.Executor | None = None, progress: bool = False) -> Result:
    """Run ASHA with n_trials new configs on `workers` workers; the ledger is in order of completion."""
    check_budgets(min_budget, max_budget, eta)
    if int(n_trials) != n_trials or n_trials < 1 or int(workers) != workers or workers < 1:
        raise ValueError(f"n_trials and workers must be positive integers, got {n_trials!r} and {workers!r}")
    from tqdm.auto import tqdm

    rng, rungs, configs, ledger, running = np.random.default_rng(seed), _Rungs(min_budget, max_budget, eta), [], [], {}
    own = executor is None
    pool = cf.ThreadPoolExecutor(max_workers=workers) if own else executor
    bar = tqdm(total=int(n_trials), desc="ASHA new configs", disable=not progress)

    def next_job():
        job = rungs.promotion()
        if job is None and len(configs) < n_trials:
            configs.append(sample_config(rng))
            bar.update()
            job = (len(configs) - 1, 0)
        return job

    try:
        while True:
            while len(running) < workers and (job := next_job()) is not None:
                trial_id, rung = job
                future = pool.submit(objective, configs[trial_id], rungs.budgets[rung])
                running[future] = job
            if not running:
                break
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                trial_id, rung = running.pop(future)
                loss = future.result()
                rungs.losses[rung][trial_id] = rank_loss(loss)
                ledger.append(Evaluation(trial_id, configs[trial_id], rungs.budgets[rung], loss))
    finally:
        bar.close()
        if own:
            pool.shutdown(cancel_futures=True)
    top = max(entry.budget for entry in ledger)
    best = best_of([entry for entry in ledger if entry.budget == top])
    return Result(best.config, best.loss, ledger)
