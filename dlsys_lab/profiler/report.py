"""The profiler's outputs: a per-op summary table and Chrome/Perfetto trace JSON.

Self time is an event's duration minus that of the events directly inside it (ops a backward calls).
"""
from __future__ import annotations

import json
import os
from collections import defaultdict

SORT_KEYS = ("total", "self", "calls", "mean", "bytes")


def self_times_ns(events) -> list[int]:
    """Each event's duration minus its direct children's (children: depth + 1, inside its interval, same thread)."""
    selfs = [e.duration_ns for e in events]
    open_parents: dict[tuple[int, int], int] = {}
    # a child ends before its parent, so walking events by start time and depth assigns each child its parent
    for index in sorted(range(len(events)), key=lambda i: (events[i].start_ns, events[i].depth)):
        e = events[index]
        open_parents[(e.thread, e.depth)] = index
        parent = open_parents.get((e.thread, e.depth - 1))
        if e.depth > 0 and parent is not None:
            selfs[parent] -= e.duration_ns
    return selfs


def summary_rows(events, sort_by: str = "total") -> list[dict]:
    """Events grouped by (name, phase), sorted by `sort_by` (one of SORT_KEYS), largest first."""
    if sort_by not in SORT_KEYS:
        raise ValueError(f"sort_by={sort_by!r}; use one of {SORT_KEYS}")
    groups = defaultdict(lambda: {"calls": 0, "total_ns": 0, "self_ns": 0, "bytes": 0})
    for e, self_ns in zip(events, self_times_ns(events)):
        g = groups[(e.name, e.phase)]
        g["calls"] += 1
        g["total_ns"] += e.duration_ns
        g["self_ns"] += self_ns
        g["bytes"] += e.bytes_allocated
    rows = [{"name": name, "phase": phase, "calls": g["calls"], "total_us": g["total_ns"] / 1e3,
             "self_us": g["self_ns"] / 1e3, "mean_us": g["total_ns"] / 1e3 / g["calls"], "bytes": g["bytes"]}
            for (name, phase), g in groups.items()]
    key = {"total": "total_us", "self": "self_us", "calls": "calls", "mean": "mean_us", "bytes": "bytes"}[sort_by]
    return sorted(rows, key=lambda r: r[key], reverse=True)


def format_table(rows, top: int = 15) -> str:
    """Rows from summary_rows as aligned text, the first `top` of them."""
    header = f"{'op':<28} {'phase':<8} {'calls':>6} {'total us':>10} {'self us':>10} {'mean us':>9} {'MB alloc':>9}"
    lines = [header, "-" * len(header)]
    for r in rows[:top]:
        lines.append(f"{r['name']:<28} {r['phase']:<8} {r['calls']:>6} {r['total_us']:>10.1f} {r['self_us']:>10.1f} "
                     f"{r['mean_us']:>9.2f} {r['bytes'] / 1e6:>9.3f}")
    total = sum(r["self_us"] for r in rows)
    lines.append(f"{len(rows)} ops, {sum(r['calls'] for r in rows)} calls, {total / 1e3:.3f} ms of op time")
    return "\n".join(lines)


def chrome_trace(events) -> dict:
    """Complete events (ph "X") with ts and dur in microseconds, one per op call, args holding shapes and bytes."""
    pid = os.getpid()
    origin = min((e.start_ns for e in events), default=0)
    trace = [{"name": e.name, "cat": e.phase, "ph": "X", "pid": pid, "tid": e.thread,
              "ts": (e.start_ns - origin) / 1e3, "dur": e.duration_ns / 1e3,
              "args": {"input_shapes": [list(s) for s in e.input_shapes], "output_shape": list(e.output_shape),
                       "dtype": e.dtype, "device": e.device, "bytes_allocated": e.bytes_allocated}}
             for e in events]
    return {"traceEvents": trace, "displayTimeUnit": "ms"}


def write_chrome_trace(events, path) -> None:
    """Write chrome_trace(events) as JSON to `path`."""
    with open(path, "w") as f:
        json.dump(chrome_trace(events), f)
