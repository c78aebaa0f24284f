"""Search strategies on one objective and one total budget, over seeds: ours against Optuna's TPE with pruning.

Every method is charged one unit per epoch trained (a pruned Optuna trial pays only for the epochs it ran),
and every method's ledger adds up to exactly the same total budget (see run_methods).
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


def halving_cost(n: int, min_budget, max_budget, eta: int):
    """What successive halving spends on n configs from min_budget (run on a free objective)."""
    return successive_halving(lambda config, budget: 0.0, [{}] * n, min_budget, max_budget, eta).total_budget


def exact_halving(total, max_budget, eta: int) -> tuple[int, int]:
    """(min_budget, n): the smallest integer min_budget for which some n makes the rungs sum to exactly total."""
    for min_budget in range(1, int(max_budget) + 1):
        n = 1
        while (cost := halving_cost(n, min_budget, max_budget, eta)) < total:
            n += 1
        if cost == total:
            return min_budget, n
    raise ValueError(f"no successive halving from an integer min_budget spends exactly {total} epochs")


class _RoomLog:
    """The objective, noting the room optuna_tpe gives each trial (less than max_budget: cut by the budget left)."""

    def __init__(self, objective):
        self.objective, self.rooms = objective, []

    def curve(self, config, max_budget):
        self.rooms.append(max_budget)
        return self.objective.curve(config, max_budget)


def run_methods(objective, max_budget: int, seed: int, eta: int = 3,
                total=None) -> dict[str, tuple[Result, list[Evaluation]]]:
    """Each method once on one seed, each ledger adding up to exactly `total` epochs (default: what one hyperband
    run spends): {method: (Result, its truncated evaluations)}.

    Random search runs floor(total / max_budget) full trials plus one truncated trial for the remainder;
    successive halving takes the smallest integer min_budget whose rungs sum to exactly total; hyperband is
    as it is; Optuna trains until the ledger reaches total, its last trial cut to the epochs left. A truncated
    evaluation is paid for but cannot be the best.
    """
    total = int(total if total is not None else hyperband_budget(max_budget, eta))
    out = {}
    n_full, remainder = divmod(total, max_budget)
    full = random_search(objective, sample_config, n_full, max_budget, seed=seed) if n_full else Result(None, np.inf)
    ledger, truncated = list(full.ledger), []
    if remainder:  # the remainder trial continues random_search's rng stream
        rng = np.random.default_rng(seed)
        config = [sample_config(rng) for _ in range(n_full + 1)][-1]
        entry = Evaluation(n_full, config, remainder, objective(config, remainder))
        ledger.append(entry)
        truncated.append(entry)
    best = best_of(full.ledger or ledger)
    out["random search"] = (Result(best.config, best.loss, ledger), truncated)

    min_budget, n = exact_halving(total, max_budget, eta)
    rng = np.random.default_rng(seed)
    out[f"successive halving (n={n}, min {min_budget})"] = (
        successive_halving(objective, [sample_config(rng) for _ in range(n)], min_budget, max_budget, eta), [])

    out["hyperband"] = (hyperband(objective, sample_config, max_budget, eta, seed=seed), [])

    logged = _RoomLog(objective)
    result = optuna_tpe(logged, total, max_budget, seed=seed, eta=eta)
    cut = [e for e in result.ledger if logged.rooms[e.trial_id] < max_budget and e.budget == logged.rooms[e.trial_id]]
    out["optuna TPE + SHA pruner"] = (result, cut)
    return out


def compare(objective, max_budget, seeds, eta: int = 3, progress: bool = True) -> dict[str, list[Result]]:
    """run_methods over every seed: {method: [Result per seed]}."""
    from tqdm.auto import tqdm

    results: dict[str, list[Result]] = {}
    for seed in tqdm(list(seeds), desc="seeds", disable=not progress):
        for method, (result, _) in run_methods(objective, max_budget, seed, eta).items():
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
