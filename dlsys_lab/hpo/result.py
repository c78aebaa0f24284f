"""What every search returns: the best configuration and the exact ledger of every evaluation it paid for."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple


class Evaluation(NamedTuple):
    """One paid evaluation: objective(config, budget) returned loss for the trial trial_id."""
    trial_id: int
    config: dict
    budget: float
    loss: float


@dataclass
class Result:
    """best_config and best_loss, the ledger of (trial_id, config, budget, loss), and the budget it spent."""
    best_config: dict
    best_loss: float
    ledger: list = field(default_factory=list)

    @property
    def total_budget(self) -> float:
        """The sum of the budgets of every evaluation in the ledger."""
        return sum(entry[2] for entry in self.ledger)

    def best_so_far(self) -> tuple[list, list]:
        """The anytime curve: (budget spent, best loss so far) after each evaluation, in ledger order."""
        spent, best, budgets, losses = 0, math.inf, [], []
        for entry in self.ledger:
            spent += entry[2]
            best = min(best, rank_loss(entry[3]))
            budgets.append(spent)
            losses.append(best)
        return budgets, losses


def rank_loss(loss) -> float:
    """The loss as a float for ranking; NaN (a diverged training) ranks last, like +inf."""
    loss = float(loss)
    return math.inf if math.isnan(loss) else loss


def best_of(entries) -> Evaluation:
    """The entry with the lowest loss; ties go to the lowest trial_id."""
    if not entries:
        raise ValueError("no evaluations to choose from")
    return min(entries, key=lambda e: (rank_loss(e[3]), e[0]))


def plain_budget(budget):
    """A budget as an int when it is a whole number, else a float (Fractions from hyperband become numbers)."""
    if isinstance(budget, bool):
        raise TypeError("a budget is a number, not a bool")
    value = float(budget)
    return int(value) if value.is_integer() else value
