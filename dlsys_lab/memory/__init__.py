"""Memory: count backend bytes (track), capture a training step as a graph, liveness, arena planning,
checkpoint budgets and memory-aware operator scheduling.
"""
from .budget import checkpoint_peak, segments_for_budget
from .graph import Graph, Node, capture
from .liveness import live_bytes, liveness, lower_bound, naive_bytes, reads_of, value_lifetimes
from .planner import STRATEGIES, Plan, best_fit_offset, check_plan, first_conflict, first_fit_offset, plan
from .track import MemoryTracker, track
from .zero import zero_bytes_per_device

__all__ = ["track", "MemoryTracker", "capture", "Graph", "Node", "liveness", "live_bytes", "lower_bound",
           "naive_bytes", "reads_of", "value_lifetimes", "plan", "first_conflict", "Plan", "STRATEGIES", "check_plan", "first_fit_offset", "best_fit_offset",
           "checkpoint_peak", "segments_for_budget", "zero_bytes_per_device"]
