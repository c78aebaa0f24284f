"""Scheduling a GPU cluster: a discrete-event simulator of jobs under FIFO, SJF, SRTF and LAS."""
from .cluster import POLICIES, Job, Result, gantt, heavy_tailed_trace, simulate

__all__ = ["Job", "Result", "POLICIES", "heavy_tailed_trace", "simulate", "gantt"]
