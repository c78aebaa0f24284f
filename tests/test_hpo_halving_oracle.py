"""Week 10: successive halving's ledger equals the formula of Jamieson and Talwalkar (2016), rung by rung."""
# instructor only: the oracle below is an independent successive halving, the answer to lab10_hpo_uq's
# halving_rungs, so this file stays out of the student edition.
import math

import numpy as np
import pytest

from dlsys_lab.hpo import successive_halving
from test_hpo import rung_split


def expected_halving(losses_at, n, min_budget, max_budget, eta):
    """The oracle from the issue's formula, written independently: [(budget, ids evaluated)] per rung."""
    rungs, alive, i = [], list(range(n)), 0
    while True:
        budget = min(min_budget * eta ** i, max_budget)
        count = max(1, math.floor(n / eta ** i))
        ids = sorted(alive[:count])
        rungs.append((budget, ids))
        if budget >= max_budget:
            return rungs
        order = np.lexsort((np.array(ids), np.array([losses_at(k, budget) for k in ids])))
        alive = [ids[j] for j in order]
        i += 1


def tied_loss(index, budget):
    """Many ties (index mod 4), and a ranking that changes with the budget."""
    return (index % 4) + (index % 3) / budget


@pytest.mark.parametrize("n, min_budget, max_budget, eta", [
    (27, 1, 27, 3), (81, 1, 81, 3), (10, 1, 9, 3), (20, 2, 50, 2), (5, 1, 100, 4), (1, 1, 8, 2),
    (9, 3, 3, 3), (30, 1, 10, 3), (16, 0.5, 8, 2)])
def test_successive_halving_ledger_equals_the_formula(n, min_budget, max_budget, eta):
    configs = [{"index": k} for k in range(n)]
    result = successive_halving(lambda c, b: tied_loss(c["index"], b), configs, min_budget, max_budget, eta)
    expected = expected_halving(tied_loss, n, min_budget, max_budget, eta)
    assert rung_split(result.ledger) == expected
    assert result.total_budget == sum(budget * len(ids) for budget, ids in expected)
    assert all(entry.config is configs[entry.trial_id] for entry in result.ledger)
    last_budget, last_ids = expected[-1]
    best = min(last_ids, key=lambda k: (tied_loss(k, last_budget), k))
    assert result.best_config == configs[best] and result.best_loss == tied_loss(best, last_budget)


