"""Random search, successive halving, hyperband and Optuna TPE (+ successive-halving pruner) on one total budget.

The objective trains a dlsys_lab MLP on digits for `budget` epochs and returns the validation error
(--surrogate: a learning-curve model, seconds instead of minutes). Every method is capped at the budget one
hyperband run spends (an epoch costs 1, a pruned trial pays for the epochs it ran). Prints, per method, the
median and IQR over seeds of the best validation error and the budget each ledger adds up to, all from one run.
Usage: python bench/hpo.py [--seeds 10] [--max-budget 9] [--eta 3] [--surrogate]
"""
from __future__ import annotations

import argparse
import os

from threadpoolctl import threadpool_limits

from dlsys_lab.hpo.compare import compare, hyperband_budget, summary
from dlsys_lab.hpo.objectives import DigitsObjective, Surrogate


def main(argv=None) -> None:
    """Run every method on every seed and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--max-budget", type=int, default=9)
    parser.add_argument("--eta", type=int, default=3)
    parser.add_argument("--surrogate", action="store_true", help="the cheap learning-curve model, not real training")
    args = parser.parse_args(argv)
    objective = Surrogate() if args.surrogate else DigitsObjective()
    cap = hyperband_budget(args.max_budget, args.eta)
    with threadpool_limits(1):
        results = compare(objective, args.max_budget, range(args.seeds), args.eta)
    print(f"objective: {'surrogate' if args.surrogate else 'dlsys_lab MLP on digits, validation error'}; "
          f"max_budget {args.max_budget}, eta {args.eta}, budget cap {cap:g} epochs, {args.seeds} seeds; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'method':26s} {'median best':>11s} {'IQR':>18s} {'ledger budget (min..max)':>26s}")
    for row in summary(results):
        budgets = [r.total_budget for r in results[row["method"]]]
        assert max(budgets) <= cap, f"{row['method']} spent more than the cap"
        print(f"{row['method']:26s} {row['median']:11.4f}  [{row['q1']:.4f}, {row['q3']:.4f}] "
              f"{min(budgets):>14g} .. {max(budgets):<9g}")


if __name__ == "__main__":
    main()
