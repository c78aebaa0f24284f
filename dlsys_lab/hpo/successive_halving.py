"""Successive halving (Jamieson & Talwalkar 2016): evaluate many configs cheaply, keep the best 1/eta, repeat.

Rung i evaluates max(1, floor(n / eta^i)) configs from scratch at budget min(min_budget * eta^i, max_budget);
the last rung is the first whose budget reaches max_budget. The ledger records every evaluation.
"""
from __future__ import annotations

import math
import numbers

from .result import Evaluation, Result, best_of


def successive_halving(objective, configs, min_budget, max_budget, eta: int = 3) -> Result:
    """Run successive halving over `configs`; the result is the best config of the last rung."""
    configs = list(configs)
    check_budgets(min_budget, max_budget, eta)
    if not configs:
        raise ValueError("successive_halving needs at least one config")
    ledger = [Evaluation(*entry) for entry in halving_rungs(objective, configs, min_budget, max_budget, eta)]
    last_rung = [entry for entry in ledger if entry.budget == ledger[-1].budget]
    best = best_of(last_rung)
    return Result(best.config, best.loss, ledger)


def halving_rungs(objective, configs, min_budget, max_budget, eta):
    """The ledger of successive halving: (index in configs, config, budget, loss) per evaluation, rung by rung.

    Each rung evaluates its configs in their original order; the best by loss (ties: original order) go on.
    """
    # BEGIN LAB lab10_hpo_uq halving_rungs
    n, ledger = len(configs), []
    ranked, rung = list(range(n)), 0
    while True:
        budget = min(min_budget * eta ** rung, max_budget)
        chosen = sorted(ranked[:max(1, n // eta ** rung)])
        losses = {}
        for index in chosen:
            loss = objective(configs[index], budget)
            ledger.append((index, configs[index], budget, loss))
            losses[index] = math.inf if math.isnan(loss) else loss
        if budget >= max_budget:
            return ledger
        ranked = sorted(chosen, key=lambda index: (losses[index], index))
        rung += 1
    # END LAB lab10_hpo_uq


def check_budgets(min_budget, max_budget, eta) -> None:
    """Clear errors for budgets and eta that successive halving cannot use."""
    if isinstance(eta, bool) or not isinstance(eta, numbers.Integral) or eta < 2:
        raise ValueError(f"eta must be an integer >= 2 (the factor kept per rung is 1/eta), got {eta!r}")
    for name, value in (("min_budget", min_budget), ("max_budget", max_budget)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if min_budget > max_budget:
        raise ValueError(f"min_budget ({min_budget}) must not exceed max_budget ({max_budget})")
