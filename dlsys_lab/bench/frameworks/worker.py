"""A worker process of the frameworks benchmark: one group of frameworks, one thread count, commands on stdin.

Each line in is JSON: {"cmd": "build", "framework", "model"} or {"cmd": "time", "framework", "model", "number"};
each line out is JSON. Threads are pinned before any framework is imported, so every worker runs on the same count.
Usage (by the coordinator): python -m dlsys_lab.bench.frameworks.worker GROUP --threads N --size fast|full
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time


def main(argv=None) -> None:
    """Serve build and time commands until stdin closes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("group")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--size", choices=("fast", "full"), required=True)
    args = parser.parse_args(argv)
    if args.group.startswith("keras-"):
        os.environ["KERAS_BACKEND"] = args.group.split("-", 1)[1]
    from dlsys_lab.bench.threads import limit_threads

    limit_threads(args.threads)
    from dlsys_lab.bench.frameworks import registry, spec

    sizes = spec.SIZES[args.size]
    steps = {}
    out = sys.stdout
    sys.stdout = sys.stderr  # frameworks' chatter must not corrupt the protocol
    for line in sys.stdin:
        request = json.loads(line)
        key = (request["framework"], request["model"])
        try:
            if request["cmd"] == "build":
                reply = _build(steps, key, sizes, registry, spec)
                reply["versions"] = registry.versions(args.group)
            else:
                reply = {"seconds": _time(steps[key], request["number"])}
        except Exception as err:  # reported to the coordinator, which records it and goes on
            reply = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def _build(steps, key, sizes, registry, spec):
    framework, model = key
    build, mode = registry.builder(framework)
    start = time.perf_counter()
    step = build(mode, model, sizes, spec.batches(model, sizes))
    built = time.perf_counter()
    step(0)  # the first call traces and compiles where the framework compiles
    first = time.perf_counter()
    step(1)
    second = time.perf_counter()
    steps[key] = step
    return {"build_s": built - start, "first_step_s": first - built, "second_step_s": second - first}


def _time(step, number: int) -> float:
    """Seconds per step over `number` consecutive steps, garbage collected before and paused during."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for i in range(number):
            step(i)
        return (time.perf_counter() - start) / number
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
