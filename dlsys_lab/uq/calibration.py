"""Calibration: does a model that says 80% right get 80% right? ECE and reliability with torchmetrics' binning.

Top-label confidences in float32; bin k holds [k/n_bins, (k+1)/n_bins); a confidence of exactly 1.0 has a bin
of its own (bin n_bins), exactly as torchmetrics' MulticlassCalibrationError(norm="l1") bins them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import check_probs


@dataclass
class Reliability:
    """Per bin: mean confidence, accuracy and count; edges has n_bins + 1 entries (the last bin is exactly 1.0)."""
    confidence: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray
    edges: np.ndarray

    @property
    def ece(self) -> float:
        """The count-weighted mean of |accuracy - confidence| over bins."""
        return float(np.sum(self.counts / self.counts.sum() * np.abs(self.accuracy - self.confidence)))

    def plot(self, ax=None, title: str | None = None):
        """The reliability diagram: accuracy per bin against the diagonal of perfect calibration."""
        from ..viz.reliability import reliability_diagram
        return reliability_diagram(self, ax=ax, title=title)


def top_label(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    """(confidence of the predicted class as float32, 1.0 where the prediction is right else 0.0)."""
    probs, labels = check_probs(probs, labels)
    probs = probs.astype(np.float32)
    return probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(np.float32)


def calibration_bins(confidences, correct, n_bins):
    """Per bin (n_bins + 1 of them, the last for confidence exactly 1.0): mean confidence, accuracy, count.

    Bin k holds the float32 confidences in [k / n_bins, (k + 1) / n_bins); empty bins have 0 confidence and accuracy.
    """
    # BEGIN LAB lab10_hpo_uq calibration_bins
    confidences = np.asarray(confidences, dtype=np.float32)
    edges = np.linspace(0.0, 1.0, n_bins + 1, dtype=np.float32)
    index = np.searchsorted(edges, confidences, side="right") - 1
    counts = np.bincount(index, minlength=n_bins + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, weights=confidences, minlength=n_bins + 1) / counts
        accuracy = np.bincount(index, weights=correct, minlength=n_bins + 1) / counts
    return np.nan_to_num(mean_confidence), np.nan_to_num(accuracy), counts
    # END LAB lab10_hpo_uq


def reliability(probs, labels, n_bins: int = 15) -> Reliability:
    """Per-bin confidence, accuracy and counts of the top-label predictions (see calibration_bins)."""
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    confidence, accuracy, counts = calibration_bins(*top_label(probs, labels), int(n_bins))
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1, dtype=np.float32)
    return Reliability(np.asarray(confidence, np.float64), np.asarray(accuracy, np.float64), np.asarray(counts), edges)


def ece(probs, labels, n_bins: int = 15) -> float:
    """Expected calibration error (top label, equal-width bins, L1): torchmetrics' multiclass value."""
    return reliability(probs, labels, n_bins).ece
