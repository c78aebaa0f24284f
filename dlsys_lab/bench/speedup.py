"""How sure is a speed ratio? A percentile-bootstrap confidence interval for median(baseline) / median(candidate).

Resampling each side's timings with replacement shows how much the ratio of medians moves with the noise.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def bootstrap_ratio_ci(baseline: Sequence[float], candidate: Sequence[float], confidence: float = 0.95,
                       n_resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(ratio, low, high): ratio = median(baseline) / median(candidate), with its percentile-bootstrap interval."""
    # BEGIN LAB lab04_benchmarking bootstrap_ratio_ci
    base, cand = np.asarray(baseline, dtype=np.float64), np.asarray(candidate, dtype=np.float64)
    if base.size < 2 or cand.size < 2:
        raise ValueError("bootstrap_ratio_ci needs at least 2 timings on each side")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence}: pass a value between 0 and 1")
    rng = np.random.default_rng(seed)
    base_medians = np.median(rng.choice(base, (n_resamples, base.size)), axis=1)
    cand_medians = np.median(rng.choice(cand, (n_resamples, cand.size)), axis=1)
    ratios = base_medians / cand_medians
    alpha = (1 - confidence) / 2
    low, high = np.quantile(ratios, [alpha, 1 - alpha])
    return float(np.median(base) / np.median(cand)), float(low), float(high)
    # END LAB lab04_benchmarking
