"""Benchmark helpers shared by notebooks and bench/ scripts.

Median timings with warm-up (`measure`) and a side-by-side results table (`results_table`).
"""
from dlsys_lab.bench.table import results_table
from dlsys_lab.bench.timing import Timing, measure

__all__ = ["Timing", "measure", "results_table"]
