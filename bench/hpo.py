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

from threadpoolctl import threadpool_limits

from dlsys_lab.hpo import hyperband_brackets, s_max
from dlsys_lab.hpo.compare import hyperband_budget, run_methods, summary
from dlsys_lab.hpo.objectives import DigitsObjective, Surrogate
from dlsys_lab.hpo.result import Result


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
            for method, (result, truncated) in run_methods(objective, args.max_budget, seed, args.eta, total).items():
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
