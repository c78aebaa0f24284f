"""Random search, successive halving, hyperband and Optuna TPE (+ successive-halving pruner) on one total budget.

The objective trains a dlsys_lab MLP on digits for `budget` epochs and returns the validation error
(--surrogate: a learning-curve model, seconds instead of minutes). An epoch costs 1 and a pruned trial pays
for the epochs it ran. The total budget B is what one hyperband run spends (it depends on max_budget and eta
only), and every method's ledger adds up to exactly B, on every seed (asserted, and printed):
  - random search: floor(B / max_budget) trials at max_budget; when B is not a multiple of max_budget, one
    more trial is trained for the remaining B mod max_budget epochs and recorded as truncated;
  - successive halving: the smallest min_budget (then its one n) whose rungs sum to exactly B;
  - hyperband: its brackets as they are (they define B);
  - Optuna: trials until the ledger reaches B; the last trial is cut to the epochs left, recorded as truncated.
For every method the best is the lowest validation error among evaluations at max_budget (a truncated trial
is paid for but cannot win, as in hyperband and successive halving only the last rung can).
Prints, per method, the median and IQR over seeds of the best validation error, the ledger total and the
truncated evaluations, all from one run. Fast mode: --surrogate (with --seeds 2 for a smoke run).
Usage: python bench/hpo.py [--seeds 10] [--max-budget 9] [--eta 3] [--surrogate]
"""
from __future__ import annotations

import argparse
import os

import numpy as np
from threadpoolctl import threadpool_limits

from dlsys_lab.hpo import hyperband, hyperband_brackets, random_search, s_max, successive_halving
from dlsys_lab.hpo.compare import hyperband_budget, optuna_tpe, summary
from dlsys_lab.hpo.objectives import DigitsObjective, Surrogate
from dlsys_lab.hpo.result import Evaluation, Result, best_of
from dlsys_lab.hpo.space import sample_config


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


def run_equal(objective, max_budget: int, total: int, seed: int, eta: int = 3) -> dict[str, tuple[Result, list]]:
    """Each method once on one seed, each ledger adding up to exactly total: {method: (Result, truncated entries)}."""
    out = {}

    # random search: the full trials are random_search's own; a remainder trial continues the same rng stream
    n_full, remainder = divmod(total, max_budget)
    full = random_search(objective, sample_config, n_full, max_budget, seed=seed) if n_full else Result(None, np.inf)
    ledger, truncated = list(full.ledger), []
    if remainder:
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


def main(argv=None) -> None:
    """Run every method on every seed, check the ledgers are equal, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--max-budget", type=int, default=9)
    parser.add_argument("--eta", type=int, default=3)
    parser.add_argument("--surrogate", action="store_true", help="the cheap learning-curve model, not real training")
    args = parser.parse_args(argv)
    if args.max_budget % args.eta ** s_max(args.max_budget, args.eta):
        parser.error(f"max_budget must be a multiple of eta^s_max = {args.eta ** s_max(args.max_budget, args.eta)} "
                     f"so that every hyperband budget is a whole number of epochs")
    objective = Surrogate() if args.surrogate else DigitsObjective()
    total = hyperband_budget(args.max_budget, args.eta)
    assert total == int(total), total
    total = int(total)

    from tqdm.auto import tqdm

    results: dict[str, list[Result]] = {}
    cuts: dict[str, list] = {}
    with threadpool_limits(1):
        for seed in tqdm(range(args.seeds), desc="seeds"):
            for method, (result, truncated) in run_equal(objective, args.max_budget, total, seed, args.eta).items():
                results.setdefault(method, []).append(result)
                cuts.setdefault(method, []).append(truncated)

    totals = {method: sorted({r.total_budget for r in runs}) for method, runs in results.items()}
    for method, spent in totals.items():
        assert spent == [total], f"{method}: ledger totals {spent} over seeds, not exactly {total}"
    assert len({spent[0] for spent in totals.values()}) == 1, totals

    brackets = ", ".join(f"s={s}: {n} at {float(b):g}" for s, n, b in hyperband_brackets(args.max_budget, args.eta))
    print(f"objective: {'surrogate' if args.surrogate else 'dlsys_lab MLP on digits, validation error'}; "
          f"max_budget {args.max_budget}, eta {args.eta}, {args.seeds} seeds; load average {os.getloadavg()[0]:.1f}")
    print(f"total budget B = {total} epochs per method and seed (one hyperband run: {brackets})")
    print(f"{'method':34s} {'median best':>11s} {'IQR':>18s} {'ledger total':>12s}  truncated evaluations (epochs)")
    for row in summary(results):
        method = row["method"]
        cut = cuts[method]
        note = "none"
        if any(cut):
            per_seed = [",".join(f"{e.budget:g}" for e in c) or "-" for c in cut]
            note = f"{sum(map(len, cut))} over {len(cut)} seeds, of {args.max_budget}: " + " ".join(per_seed)
        print(f"{method:34s} {row['median']:11.4f}  [{row['q1']:.4f}, {row['q3']:.4f}] "
              f"{results[method][0].total_budget:>12g}  {note}")
    print("ledger totals equal across methods and seeds: "
          + ", ".join(f"{method} {spent[0]:g}" for method, spent in totals.items()))


if __name__ == "__main__":
    main()
