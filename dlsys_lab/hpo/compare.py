"""Search strategies on one objective and one total budget, over seeds: ours against Optuna's TPE with pruning.

Every method is charged one unit per epoch trained (a pruned Optuna trial pays only for the epochs it ran)
and stops before it would spend more than the total budget.
"""
from __future__ import annotations

import numpy as np

from .hyperband import hyperband
from .random_search import random_search
from .result import Evaluation, Result, best_of
from .space import sample_config, suggest_config
from .successive_halving import successive_halving


def optuna_tpe(objective, total_budget, max_budget, seed: int = 0, min_budget=1, eta: int = 3) -> Result:
    """Optuna's TPE sampler with its successive-halving pruner, stopped when total_budget epochs are spent."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=min_budget,
                                                                               reduction_factor=eta))
    ledger, spent = [], 0
    while spent + min_budget <= total_budget:
        trial = study.ask()
        config = suggest_config(trial)
        room = min(max_budget, total_budget - spent)
        epochs, pruned = 0, False
        for epochs, loss in enumerate(objective.curve(config, room), start=1):
            trial.report(loss, epochs)
            if epochs < max_budget and trial.should_prune():
                pruned = True
                break
        spent += epochs
        ledger.append(Evaluation(trial.number, config, epochs, loss))
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, loss)
    finished = [entry for entry in ledger if entry.budget == max_budget]
    best = best_of(finished or ledger)
    return Result(best.config, best.loss, ledger)


def hyperband_budget(max_budget, eta: int = 3) -> float:
    """The budget one hyperband run spends (deterministic: it depends on max_budget and eta only)."""
    return hyperband(lambda config, budget: 0.0, lambda rng: {}, max_budget, eta).total_budget


def run_methods(objective, max_budget, seed: int, eta: int = 3, total_budget=None) -> dict[str, Result]:
    """Each method once on one seed, all within total_budget (by default what hyperband spends)."""
    total = total_budget or hyperband_budget(max_budget, eta)
    rng = np.random.default_rng(seed)
    n_sh = 1
    while _halving_cost(n_sh + 1, max_budget, eta) <= total:
        n_sh += 1
    return {
        "random search": random_search(objective, sample_config, int(total // max_budget), max_budget, seed=seed),
        "successive halving": successive_halving(objective, [sample_config(rng) for _ in range(n_sh)], 1, max_budget,
                                                 eta),
        "hyperband": hyperband(objective, sample_config, max_budget, eta, seed=seed),
        "optuna TPE + SHA pruner": optuna_tpe(objective, total, max_budget, seed=seed, eta=eta),
    }


def _halving_cost(n, max_budget, eta) -> float:
    """What successive halving from budget 1 spends on n configs (run on a free objective)."""
    return successive_halving(lambda config, budget: 0.0, [{}] * n, 1, max_budget, eta).total_budget


def compare(objective, max_budget, seeds, eta: int = 3, progress: bool = True) -> dict[str, list[Result]]:
    """run_methods over every seed: {method: [Result per seed]}."""
    from tqdm.auto import tqdm

    results: dict[str, list[Result]] = {}
    for seed in tqdm(list(seeds), desc="seeds", disable=not progress):
        for method, result in run_methods(objective, max_budget, seed, eta).items():
            results.setdefault(method, []).append(result)
    return results


def summary(results: dict[str, list[Result]]) -> list[dict]:
    """Per method: median and quartiles of the best loss, and the median budget spent."""
    rows = []
    for method, runs in results.items():
        best = np.array([r.best_loss for r in runs], float)
        q1, median, q3 = np.percentile(best, [25, 50, 75])
        rows.append({"method": method, "median": median, "q1": q1, "q3": q3, "iqr": q3 - q1,
                     "budget": float(np.median([r.total_budget for r in runs])), "seeds": len(runs)})
    return rows


def anytime(results: list[Result], grid) -> np.ndarray:
    """Best loss so far at each budget in grid, one row per run (inf before the first evaluation ends)."""
    rows = []
    for result in results:
        spent, best = result.best_so_far()
        index = np.searchsorted(spent, grid, side="right") - 1
        rows.append(np.where(index >= 0, np.asarray(best)[np.maximum(index, 0)], np.inf))
    return np.array(rows)
