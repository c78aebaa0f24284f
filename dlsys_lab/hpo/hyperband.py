"""Hyperband (Li et al. 2018): successive halving in brackets that trade many cheap configs for few full ones.

s_max = floor(log_eta(max_budget)) in integers; bracket s starts ceil((s_max + 1) / (s + 1) * eta^s) configs at
max_budget / eta^s. Budgets are kept as exact fractions inside, so the last rung of every bracket is max_budget.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .result import Evaluation, Result, best_of, plain_budget
from .successive_halving import check_budgets, successive_halving


def s_max(max_budget, eta: int) -> int:
    """The largest s with eta^s <= max_budget, in integer arithmetic (math.log(243, 3) is 4.999...)."""
    check_budgets(1, max_budget, eta)
    s = 0
    while eta ** (s + 1) <= max_budget:
        s += 1
    return s


def hyperband_brackets(max_budget, eta: int = 3) -> list[tuple[int, int, Fraction]]:
    """(s, configs, starting budget) of each bracket, most aggressive (s = s_max) first."""
    top = s_max(max_budget, eta)
    return [(s, -(-(top + 1) * eta ** s // (s + 1)), Fraction(max_budget) / eta ** s) for s in range(top, -1, -1)]


def hyperband(objective, sample_config, max_budget, eta: int = 3, seed: int = 0, progress: bool = False) -> Result:
    """Run every bracket with successive halving on configs from sample_config(rng); the best evaluation at max_budget wins."""
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    ledger, winners, offset = [], [], 0

    def at_plain_budget(config, budget):
        return objective(config, plain_budget(budget))

    for s, n, start in tqdm(hyperband_brackets(max_budget, eta), desc="hyperband brackets", disable=not progress):
        configs = [sample_config(rng) for _ in range(n)]
        bracket = successive_halving(at_plain_budget, configs, start, Fraction(max_budget), eta)
        entries = [Evaluation(offset + e.trial_id, e.config, plain_budget(e.budget), e.loss) for e in bracket.ledger]
        ledger += entries
        winners += [e for e in entries if e.budget == plain_budget(max_budget)]
        offset += n
    best = best_of(winners)
    return Result(best.config, best.loss, ledger)
