"""Week 10: the HPO ledgers equal the formulas of the papers, evaluation by evaluation."""
import math

import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab.hpo import asha, hyperband, hyperband_brackets, random_search, s_max, successive_halving

# Li et al. (2018), Table 1: max_budget R = 81, eta = 3; per bracket, (configs, budget) of each rung.
PAPER_TABLE = {
    4: [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
    3: [(34, 3), (11, 9), (3, 27), (1, 81)],
    2: [(15, 9), (5, 27), (1, 81)],
    1: [(8, 27), (2, 81)],
    0: [(5, 81)],
}


def rung_split(ledger):
    """Consecutive evaluations at one budget form a rung: [(budget, [trial ids])]."""
    rungs = []
    for trial_id, _, budget, _ in ledger:
        if rungs and rungs[-1][0] == budget:
            rungs[-1][1].append(trial_id)
        else:
            rungs.append((budget, [trial_id]))
    return rungs


def test_successive_halving_breaks_ties_by_original_order():
    configs = [{"name": c} for c in "abcdefghi"]
    result = successive_halving(lambda c, b: 1.0, configs, 1, 9, 3)
    assert rung_split(result.ledger) == [(1, list(range(9))), (3, [0, 1, 2]), (9, [0])]
    assert result.best_config == {"name": "a"}


def test_rung_count_at_budget_exactly_max_budget():
    # 1 * 3^2 == 9 reaches max_budget exactly: three rungs, no fourth rung clipped to 9
    result = successive_halving(lambda c, b: c["x"], [{"x": k} for k in range(9)], 1, 9, 3)
    assert [budget for budget, _ in rung_split(result.ledger)] == [1, 3, 9]
    # 1 * 3^2 == 9 passes max_budget 8: the last rung is clipped to 8
    result = successive_halving(lambda c, b: c["x"], [{"x": k} for k in range(9)], 1, 8, 3)
    assert [budget for budget, _ in rung_split(result.ledger)] == [1, 3, 8]


def test_nan_losses_rank_last():
    losses = [float("nan"), 2.0, 1.0]
    result = successive_halving(lambda c, b: losses[c["i"]], [{"i": i} for i in range(3)], 1, 3, 3)
    assert rung_split(result.ledger) == [(1, [0, 1, 2]), (3, [2])]


def test_hyperband_brackets_equal_the_paper_table():
    assert s_max(81, 3) == 4 and s_max(243, 3) == 5 and s_max(80, 3) == 3 and math.log(243, 3) < 5
    assert [(s, n, float(r)) for s, n, r in hyperband_brackets(81, 3)] == [
        (s, rungs[0][0], rungs[0][1]) for s, rungs in sorted(PAPER_TABLE.items(), reverse=True)]
    result = hyperband(lambda c, b: c["u"] / b, lambda rng: {"u": float(rng.random())}, 81, 3, seed=1)
    # brackets follow one another and number their configs on from the last: split the ledger by trial id
    sizes, offset = [], 0
    for s in range(4, -1, -1):
        n = PAPER_TABLE[s][0][0]
        entries = [e for e in result.ledger if offset <= e.trial_id < offset + n]
        sizes.append([(len(ids), budget) for budget, ids in rung_split(entries)])
        offset += n
    assert sizes == [PAPER_TABLE[s] for s in range(4, -1, -1)]
    assert result.total_budget == sum(n * b for table in PAPER_TABLE.values() for n, b in table)
    assert all(isinstance(e.budget, int) for e in result.ledger)
    full = [e for e in result.ledger if e.budget == 81]
    assert result.best_loss == min(e.loss for e in full)


def test_hyperband_with_a_budget_no_power_of_eta_divides():
    result = hyperband(lambda c, b: c["u"], lambda rng: {"u": float(rng.random())}, 100, 3)
    for s, n, start in hyperband_brackets(100, 3):
        assert float(start) * 3 ** s == pytest.approx(100)
    assert max(e.budget for e in result.ledger) == 100  # no extra rung from floating-point error
    assert sum(e.budget == 100 for e in result.ledger) == sum(1 if s else 5 for s in range(5)) + 1


def test_random_search_ledger_and_seed():
    sample = lambda rng: {"x": float(rng.uniform(-1, 1))}
    result = random_search(lambda c, b: c["x"] ** 2, sample, 12, 5, seed=3)
    rng = np.random.default_rng(3)
    xs = [sample(rng)["x"] for _ in range(12)]
    assert [(e.trial_id, e.config["x"], e.budget, e.loss) for e in result.ledger] == \
        [(k, x, 5, x ** 2) for k, x in enumerate(xs)]
    assert result.total_budget == 60 and result.best_loss == min(x ** 2 for x in xs)


def promotable(ledger, budgets, eta):
    """The (trial, next budget) ASHA may promote after these results: top 1/eta of a rung, not yet promoted."""
    options = []
    for low, high in zip(budgets, budgets[1:]):
        seen = sorted((e.loss, e.trial_id) for e in ledger if e.budget == low)
        promoted = {e.trial_id for e in ledger if e.budget == high}
        options += [(t, high) for _, t in seen[:len(seen) // eta] if t not in promoted]
    return options


def test_asha_on_one_worker_follows_the_promotion_rule_step_by_step():
    budgets = [1, 3, 9]
    result = asha(lambda c, b: c["u"] + 1 / b, lambda rng: {"u": float(rng.random())}, 1, 9, 3, n_trials=20,
                  workers=1, seed=4)
    ledger = result.ledger
    for p, entry in enumerate(ledger):
        options = promotable(ledger[:p], budgets, 3)
        if entry.budget == 1:
            assert not options, f"step {p}: a new config started while {options} could be promoted"
        else:
            highest = max(budget for _, budget in options)
            best = min((t for t, b in options if b == highest), key=lambda t: next(
                e.loss for e in ledger[:p] if e.trial_id == t and e.budget == budgets[budgets.index(highest) - 1]))
            assert (entry.trial_id, entry.budget) == (best, highest), f"step {p}"
    assert sum(e.budget == 1 for e in ledger) == 20 and not promotable(ledger, budgets, 3)
    assert result.best_loss == min(e.loss for e in ledger if e.budget == 9)


def test_asha_on_three_workers_keeps_its_invariants():
    result = asha(lambda c, b: c["u"] + 1 / b, lambda rng: {"u": float(rng.random())}, 1, 27, 3, n_trials=40,
                  workers=3, seed=2)
    by_budget = {}
    for e in result.ledger:
        by_budget.setdefault(e.budget, []).append(e.trial_id)
    budgets = sorted(by_budget)
    assert budgets == [1, 3, 9, 27] and len(by_budget[1]) == 40
    for low, high in zip(budgets, budgets[1:]):
        assert set(by_budget[high]) <= set(by_budget[low]) and len(set(by_budget[high])) == len(by_budget[high])
    assert not promotable(result.ledger, budgets, 3)  # it stopped only when nothing was left to promote
    assert result.total_budget == sum(budget * len(ids) for budget, ids in by_budget.items())


@pytest.mark.parametrize("call, message", [
    (lambda: successive_halving(lambda c, b: 0, [], 1, 9), "at least one config"),
    (lambda: successive_halving(lambda c, b: 0, [{}], 1, 9, eta=1), "eta must be an integer >= 2"),
    (lambda: successive_halving(lambda c, b: 0, [{}], 1, 9, eta=2.5), "eta must be an integer >= 2"),
    (lambda: successive_halving(lambda c, b: 0, [{}], 10, 9), "must not exceed"),
    (lambda: successive_halving(lambda c, b: 0, [{}], 0, 9), "positive finite"),
    (lambda: hyperband(lambda c, b: 0, lambda rng: {}, 0.5), "must not exceed"),
    (lambda: random_search(lambda c, b: 0, lambda rng: {}, 0, 1), "positive integer"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reachable_from_the_package():
    assert dl.hpo.successive_halving is successive_halving and callable(dl.uq.ece) and dl.workflow.Workflow
