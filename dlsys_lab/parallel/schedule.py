"""Pipeline schedules (GPipe, 1F1B) as per-stage op lists, and a simulator that times them.

The executor in pipeline.py runs the very same op lists across processes.
"""
from __future__ import annotations

from dataclasses import dataclass

Op = tuple[str, int]  # ("F" or "B", micro-batch index)


def gpipe_schedule(stages: int, micro_batches: int) -> list[list[Op]]:
    """Fill and drain: every forward, then every backward (last micro-batch first)."""
    ops = [("F", i) for i in range(micro_batches)] + [("B", i) for i in reversed(range(micro_batches))]
    return [list(ops) for _ in range(stages)]


def one_f_one_b_schedule(stages: int, micro_batches: int) -> list[list[Op]]:
    """1F1B: a few warm-up forwards, then alternate one forward and one backward, then drain."""
    schedule = []
    for stage in range(stages):
        warmup = min(stages - stage - 1, micro_batches)
        ops = [("F", i) for i in range(warmup)]
        for i in range(warmup, micro_batches):
            ops += [("F", i), ("B", i - warmup)]
        ops += [("B", i) for i in range(micro_batches - warmup, micro_batches)]
        schedule.append(ops)
    return schedule


SCHEDULES = {"gpipe": gpipe_schedule, "1f1b": one_f_one_b_schedule}


@dataclass(frozen=True)
class Event:
    """One op placed in time on one stage."""
    stage: int
    kind: str
    micro: int
    start: float
    end: float


def simulate(schedule: list[list[Op]], forward_time: float = 1.0, backward_time: float = 2.0) -> list[Event]:
    """Time each op: it starts when its stage is free and its input (activation or gradient) has arrived."""
    stages = len(schedule)
    done: dict[tuple[int, str, int], float] = {}
    cursor, free_at, events = [0] * stages, [0.0] * stages, []
    while any(cursor[s] < len(schedule[s]) for s in range(stages)):
        progressed = False
        for s in range(stages):
            while cursor[s] < len(schedule[s]):
                kind, micro = schedule[s][cursor[s]]
                dependency = _dependency(s, kind, micro, stages)
                if dependency is not None and dependency not in done:
                    break
                start = max(free_at[s], done.get(dependency, 0.0))
                end = start + (forward_time if kind == "F" else backward_time)
                done[(s, kind, micro)], free_at[s] = end, end
                events.append(Event(s, kind, micro, start, end))
                cursor[s] += 1
                progressed = True
        if not progressed:
            raise ValueError("the schedule deadlocks: some stage waits for an op that can never run; "
                             "check that every stage orders micro-batches consistently")
    return events


def _dependency(stage: int, kind: str, micro: int, stages: int):
    """The op whose output this op consumes, or None for the first stage's forwards."""
    if kind == "F":
        return (stage - 1, "F", micro) if stage > 0 else None
    return (stage + 1, "B", micro) if stage < stages - 1 else (stage, "F", micro)


def bubble_fraction(events: list[Event]) -> float:
    """Share of stage-time spent idle between the first start and the last end."""
    stages = 1 + max(e.stage for e in events)
    makespan = max(e.end for e in events) - min(e.start for e in events)
    busy = sum(e.end - e.start for e in events)
    return 1.0 - busy / (stages * makespan)


def max_in_flight(ops: list[Op]) -> int:
    """The most micro-batches whose activations one stage holds at once (forward done, backward not)."""
    held, most = set(), 0
    for kind, micro in ops:
        if kind == "F":
            held.add(micro)
            most = max(most, len(held))
        else:
            held.discard(micro)
    return most
