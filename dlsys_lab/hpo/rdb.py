"""One Optuna study in a relational database, driven by several worker processes at once.

Here the database is a SQLite file; on several machines the same code takes a server URL such as
postgresql://user:password@host:5432/optuna. Each worker runs its share of the trials, so the study ends
with exactly the number requested.
"""
from __future__ import annotations

import logging
import multiprocessing as mp

from ..logs import quiet


def surrogate_trial(trial) -> float:
    """A cheap objective for the RDB demo: the Surrogate's error after 9 epochs of the suggested config."""
    from .objectives import Surrogate
    from .space import suggest_config

    return Surrogate()(suggest_config(trial), 9)


def _worker(storage_url: str, study_name: str, n_trials: int, seed: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=storage_url,
                              sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(surrogate_trial, n_trials=n_trials)


def run_shared_study(storage_url: str, study_name: str, n_trials: int, workers: int = 2):
    """Create the study, run n_trials split over `workers` spawned processes, and return the loaded study."""
    import optuna

    if n_trials < 1 or workers < 1:
        raise ValueError(f"n_trials and workers must be at least 1, got {n_trials} and {workers}")
    with quiet("optuna", level=logging.WARNING):  # not "A new study created in RDB ..." on the notebook's stderr
        optuna.create_study(study_name=study_name, storage=storage_url, direction="minimize", load_if_exists=False)
    shares = [n_trials // workers + (k < n_trials % workers) for k in range(workers)]
    ctx = mp.get_context("spawn")
    processes = [ctx.Process(target=_worker, args=(storage_url, study_name, share, seed))
                 for seed, share in enumerate(shares) if share]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} study worker(s) failed with exit codes {failed}")
    return optuna.load_study(study_name=study_name, storage=storage_url)
