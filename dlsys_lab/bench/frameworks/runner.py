"""The coordinator: start one worker per framework group, warm every (framework, model) up, then time them in
interleaved rounds (the order rotates each round), so a busy machine's drift touches every framework alike.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from dlsys_lab.bench.frameworks.registry import BASELINE, FRAMEWORKS, check_names
from dlsys_lab.bench.frameworks.spec import MODELS, SIZES
from dlsys_lab.bench.ratios import median_ratio


class Worker:
    """A worker process serving one framework group over JSON lines."""

    def __init__(self, group: str, threads: int, size: str):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
        self.group = group
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dlsys_lab.bench.frameworks.worker", group, "--threads", str(threads),
             "--size", size], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env=env)

    def ask(self, **request) -> dict:
        """Send one command and wait for its reply."""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            return {"error": f"worker {self.group} exited (code {self.proc.poll()})"}
        return json.loads(line)

    def close(self) -> None:
        """Close stdin and wait for the process to end."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def machine() -> dict:
    """The machine and its load, recorded with the numbers."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average": os.getloadavg(), "blas_env": blas_env, "time": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def run(frameworks=None, models=MODELS, size: str = "full", rounds: int = 15, warmup: int = 5, number: int = 5,
        threads: int = 1, progress: bool = True) -> dict:
    """Benchmark one training step per (framework, model); returns a JSON-ready dict (see summarize)."""
    names = check_names(frameworks or list(FRAMEWORKS))
    if BASELINE not in names:
        names.insert(0, BASELINE)
    before = machine()
    workers = {g: Worker(g, threads, size) for g in dict.fromkeys(FRAMEWORKS[n][0] for n in names)}
    from tqdm.auto import tqdm

    results = {}
    try:
        for model in models:
            entries = {n: {"samples": []} for n in names}
            for name in tqdm(names, desc=f"{model}: build and warm up", disable=not progress):
                worker = workers[FRAMEWORKS[name][0]]
                entries[name].update(worker.ask(cmd="build", framework=name, model=model))
                if "error" not in entries[name]:
                    worker.ask(cmd="time", framework=name, model=model, number=warmup)
            live = [n for n in names if "error" not in entries[n]]
            for r in tqdm(range(rounds), desc=f"{model}: interleaved rounds", disable=not progress):
                for name in live[r % len(live):] + live[:r % len(live)]:
                    reply = workers[FRAMEWORKS[name][0]].ask(cmd="time", framework=name, model=model, number=number)
                    if "seconds" in reply:
                        entries[name]["samples"].append(reply["seconds"])
            results[model] = summarize(entries)
    finally:
        for worker in workers.values():
            worker.close()
    return {"machine": before, "load_average_after": os.getloadavg(), "threads": threads, "size": size,
            "sizes": SIZES[size], "rounds": rounds, "steps_per_sample": number, "warmup_steps": warmup,
            "baseline": BASELINE, "results": results}


def summarize(entries: dict) -> dict:
    """Per framework: median and IQR of seconds per step, compile time, and the ratio to the baseline with its CI."""
    base = entries[BASELINE].get("samples") or None
    out = {}
    for name, entry in entries.items():
        samples = entry.get("samples", [])
        row = {k: v for k, v in entry.items() if k != "samples"}
        row["samples"] = samples
        if samples:
            q1, median, q3 = np.percentile(samples, [25, 50, 75])
            row.update(median_s=float(median), iqr_s=float(q3 - q1))
            # compile time: what the first call cost beyond a warm step
            row["compile_s"] = max(entry["first_step_s"] - float(median), 0.0)
            if base:
                ratio, low, high = median_ratio(samples, base)
                row.update(ratio=ratio, ratio_ci=(low, high))
        out[name] = row
    return out
