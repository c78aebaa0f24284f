"""Benchmark helpers shared by notebooks and bench/ scripts.

Median timings with warm-up and auto-sized loops (`measure`); tables come from dlsys_lab.compare.table.
"""
from dlsys_lab.bench.timing import Timing, format_seconds, measure

__all__ = ["Timing", "format_seconds", "measure"]
