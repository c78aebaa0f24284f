"""Random search (Bergstra & Bengio 2012): n_trials configs drawn independently, each at the full budget."""
from __future__ import annotations

import numpy as np

from .result import Evaluation, Result, best_of


def random_search(objective, sample_config, n_trials: int, budget, seed: int = 0, progress: bool = False) -> Result:
    """Evaluate n_trials configs from sample_config(rng) at `budget`; rng is np.random.default_rng(seed)."""
    if int(n_trials) != n_trials or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    if not budget > 0:
        raise ValueError(f"budget must be positive, got {budget!r}")
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    ledger = []
    for trial_id in tqdm(range(int(n_trials)), desc="random search", disable=not progress):
        config = sample_config(rng)
        ledger.append(Evaluation(trial_id, config, budget, objective(config, budget)))
    best = best_of(ledger)
    return Result(best.config, best.loss, ledger)
