"""Benchmark helpers shared by notebooks and bench/ scripts.

Median timings with warm-up and auto-sized loops (`measure`), a fixed-plus-linear cost model
(`fit_linear_cost`), equal thread counts for every framework (`limit_threads`), the machine's roofs
(`machine_peaks`) and measured kernels against them (`measure_kernels`, `roofline`); tables come from
dlsys_lab.compare.table.
"""
from dlsys_lab.bench.cost_model import LinearCost, fit_linear_cost
from dlsys_lab.bench.kernel_costs import KernelCost
from dlsys_lab.bench.peaks import MachinePeaks, machine_peaks
from dlsys_lab.bench.roofline import KernelPoint, explain, measure_kernels, roofline
from dlsys_lab.bench.threads import limit_threads
from dlsys_lab.bench.timing import Timing, call_timer, format_seconds, measure

__all__ = ["KernelCost", "KernelPoint", "LinearCost", "MachinePeaks", "Timing", "call_timer", "explain", "fit_linear_cost",
           "format_seconds", "limit_threads", "machine_peaks", "measure", "measure_kernels", "roofline"]
