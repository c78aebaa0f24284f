"""Ratios of median timings with a confidence interval, for bench scripts: scipy's BCa bootstrap.

(Lab 04 asks students for the plain percentile bootstrap; this one corrects its bias and skew, via scipy.)
"""
from __future__ import annotations

import statistics
from typing import Sequence

import numpy as np


def median_ratio(numerator: Sequence[float], denominator: Sequence[float], confidence: float = 0.95,
                 resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(median(numerator) / median(denominator), low, high) with scipy.stats.bootstrap's BCa interval."""
    from scipy import stats

    num, den = np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    ratio = statistics.median(num) / statistics.median(den)
    if num.size < 3 or den.size < 3:
        return ratio, float("nan"), float("nan")
    res = stats.bootstrap((num, den), lambda a, b, axis=-1: np.median(a, axis=axis) / np.median(b, axis=axis),
                          n_resamples=resamples, confidence_level=confidence, method="BCa",
                          random_state=seed)
    return ratio, float(res.confidence_interval.low), float(res.confidence_interval.high)
