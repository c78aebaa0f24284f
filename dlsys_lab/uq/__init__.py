"""Week 10: uncertainty quantification. Can a model's confidence be trusted, and does it know what it does not know?

Calibration (ece, reliability, temperature_scale), proper scores (nll, brier), MC dropout and deep ensembles,
out-of-distribution detection by predictive entropy (auroc), and aleatoric vs epistemic uncertainty.
"""
from .arrays import softmax
from .calibration import Reliability, calibration_bins, ece, reliability
from .ensembles import ensemble_curve, snapshot_ensemble, train_members
from .metrics import accuracy, auroc, brier, disagreement, nll, predictive_entropy
from .predict import ensemble_predict, mc_dropout_predict
from .temperature import scaled_nll, temperature_scale

__all__ = ["ece", "reliability", "Reliability", "calibration_bins", "nll", "brier", "accuracy", "temperature_scale",
           "scaled_nll", "softmax", "predictive_entropy", "auroc", "disagreement", "mc_dropout_predict",
           "ensemble_predict", "train_members", "snapshot_ensemble", "ensemble_curve"]
