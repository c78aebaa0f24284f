"""Benchmark helpers shared by notebooks and bench/ scripts.

Median timings with warm-up and auto-sized loops (`measure`), a fixed-plus-linear cost model
(`fit_linear_cost`) and equal thread counts for every framework (`limit_threads`); tables come from
dlsys_lab.compare.table.
"""
from dlsys_lab.bench.cost_model import LinearCost, fit_linear_cost
from dlsys_lab.bench.threads import limit_threads
from dlsys_lab.bench.timing import Timing, format_seconds, measure

__all__ = ["LinearCost", "Timing", "fit_linear_cost", "format_seconds", "limit_threads", "measure"]
