"""Week 10: hyper-parameter optimization with an exact ledger of every evaluation paid for.

Every search takes objective(config, budget) -> loss and returns a Result (best_config, best_loss, ledger,
total_budget): random search, successive halving, hyperband and ASHA.
"""
from .asha import asha
from .hyperband import hyperband, hyperband_brackets, s_max
from .random_search import random_search
from .result import Evaluation, Result
from .successive_halving import successive_halving

__all__ = ["random_search", "successive_halving", "hyperband", "hyperband_brackets", "s_max", "asha",
           "Result", "Evaluation"]
