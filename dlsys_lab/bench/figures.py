"""Figures a notebook's markdown cites, measured by its full run instead of typed by hand.

A code cell records them (`Figures(stem).record(...)`, then `.save()`): a full run writes `<stem>_results.json`
beside the notebook with the machine, thread counts, date and load average; a fast (test) run writes elsewhere.
Markdown cites them as `<!--fig KEY-->text<!--/fig-->` (`KEY iqr` for the spread, `OTHER_STEM:KEY` for another
notebook's file, `@source` for the provenance line). `python -m dlsys_lab.bench.figures run|fill|check` runs
notebooks in full mode, rewrites the spans from the files, and lists every span that disagrees with its file.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlsys_lab.notebooks import fast_mode

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = "_results.json"
KEY = re.compile(r"^[A-Za-z0-9_.]+$")
MARKER = re.compile(r"<!--fig (?P<ref>[^>]*?)-->(?P<text>[^\n]*?)<!--/fig-->")
FIELDS = ("iqr", "n")  # what a marker may show besides the value
# numbers that look measured: a duration, a ratio written 3x or 3.5x, a percentage, a rate
MEASURED_LOOKING = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:x(?![\w])|\s?(?:ms|us|µs|μs|ns|s|%|GFLOP/s|"
                              r"GB/s|MB/s)(?![\w/]))")
# notebooks whose markdown figures come from files: every measured-looking number outside a marker fails the check
NOTEBOOKS = ("lectures/01_models.ipynb", "lectures/02_autodiff.ipynb", "lectures/03_architecture.ipynb",
             "lectures/06_parallelism.ipynb", "labs/01_frameworks.ipynb", "labs/02_autodiff.ipynb",
             "labs/03_nn_libraries.ipynb", "labs/06_parallelism.ipynb")
# phrases of those notebooks whose numbers are not measurements: {notebook: {phrase: why it is allowed}}
ALLOWED = {
    "lectures/06_parallelism.ipynb": {
        "2 ms of backward": "a parameter of the overlap model the widget draws, not a measurement",
        "1 GB/s link with 1 ms latency": "parameters of the overlap model, not measurements",
        "$10$ GB/s": "assumed link bandwidth of the alpha-beta table, said so in the text",
        "$1.5\\times$ the traffic": "FSDP's traffic by counting messages (2 all-gathers + 1 reduce-scatter)",
    },
    "labs/06_parallelism.ipynb": {
        "(0.5 for 4 processes on 2 cores)": "the bound cores / p, arithmetic",
    },
}


def results_path(notebook: Path, stem: str | None = None, directory: Path | None = None) -> Path:
    """The results file of a notebook (or of `stem`, a notebook beside it), beside it or in `directory`."""
    return (directory or notebook.parent) / f"{stem or notebook.stem}{SUFFIX}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _threads() -> dict:
    """Thread counts of the frameworks loaded in this process, and the variables that set them."""
    threads = {k: v for k, v in sorted(os.environ.items()) if k.endswith("_THREADS") or k == "XLA_FLAGS"}
    if "torch" in sys.modules:
        threads["torch"] = sys.modules["torch"].get_num_threads()
    if "tensorflow" in sys.modules:
        config = sys.modules["tensorflow"].config.threading
        threads["tensorflow intra/inter op"] = (f"{config.get_intra_op_parallelism_threads()}/"
                                                f"{config.get_inter_op_parallelism_threads()} (0: all cores)")
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            threads[f"{pool['user_api']} {pool['internal_api']}"] = pool["num_threads"]
    except ImportError:
        pass
    return threads


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info(load_at_start) -> dict:
    """Where and when a run measured: CPU, cores, threads, versions, date, load average, fast mode, commit."""
    versions = {name: getattr(sys.modules[name], "__version__", "?") for name in
                ("numpy", "torch", "tensorflow", "jax", "keras", "flax") if name in sys.modules}
    return {"cpu": _cpu_model(), "cores": os.cpu_count(),
            "usable cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "threads": _threads(), "versions": {"python": platform.python_version(), **versions},
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load average": {"start": [round(x, 2) for x in load_at_start],
                             "end": [round(x, 2) for x in os.getloadavg()]},
            "fast mode": fast_mode(), "dlsys_lab commit": _commit()}


class Figures:
    """The figures of one notebook's run: `record` each, then `save` (a full run writes beside the notebook)."""

    def __init__(self, stem: str, directory: str | Path | None = None):
        if not stem or "/" in stem or stem.endswith(".ipynb"):
            raise ValueError(f"Figures({stem!r}): pass the notebook's file name without .ipynb, e.g. '03_architecture'")
        self.stem, self.directory, self.figures = stem, Path(directory or Path.cwd()), {}
        self.load_at_start = os.getloadavg()

    def record(self, key: str, value: float | None = None, *, samples=None, fmt: str = "{:.3g}",
               scale: float = 1.0) -> dict:
        """Keep `value`, or the median and IQR of `samples`; markdown shows `fmt.format(value * scale)`."""
        if not KEY.match(key):
            raise ValueError(f"figure key {key!r}: use letters, digits, '_' and '.' only")
        if (value is None) == (samples is None):
            raise ValueError(f"record({key!r}): pass a value or samples, not both or neither")
        fmt.format(1.0)  # a bad format fails here, not in fill
        entry = {"fmt": fmt, "scale": scale}
        if samples is not None:
            samples = [float(s) for s in samples]
            if not samples:
                raise ValueError(f"record({key!r}): no samples")
            q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive") if len(samples) > 1 else [samples[0]] * 3
            entry.update(value=statistics.median(samples), iqr=q3 - q1, n=len(samples), samples=samples)
        else:
            entry["value"] = float(value)
        self.figures[key] = entry
        return entry

    @property
    def path(self) -> Path:
        """Where `save` writes: beside the notebook, or in a scratch folder in fast mode (tests)."""
        if fast_mode():
            return Path(os.environ.get("DLSYS_FIGURES_DIR") or Path(tempfile.gettempdir()) / "dlsys_figures") / (
                self.stem + SUFFIX)
        return self.directory / (self.stem + SUFFIX)

    def save(self) -> Path:
        """Write the figures and the machine's description; a fast run never touches the committed file."""
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"notebook": self.stem + ".ipynb", "machine": machine_info(self.load_at_start),
                "figures": dict(sorted(self.figures.items()))}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        print(f"{len(self.figures)} figures written to {path}" + (" (fast mode: not the notebook's file)"
                                                                  if fast_mode() else ""))
        return path


def figure_text(entry: dict, field: str | None = None) -> str:
    """What a marker shows for a recorded figure: its value, its IQR or its sample count."""
    if field == "n":
        return str(entry.get("n", 1))
    number = entry["iqr"] if field == "iqr" else entry["value"]
    return entry["fmt"].format(number * entry["scale"])


def source_text(name: str, data: dict) -> str:
    """The provenance line of a results file: when, where, on how many threads, at which load."""
    m = data["machine"]
    threads = ", ".join(f"{k} {v}" for k, v in m["threads"].items() if k in ("torch", "OMP_NUM_THREADS")
                        or k.startswith("blas"))
    return (f"`{name}`, {'FAST-MODE ' if m['fast mode'] else ''}run of {m['date']} on {m['cpu']} "
            f"({m['cores']} cores; threads: {threads or 'defaults'}), load average {m['load average']['start'][0]:.2f} "
            f"at the start")


def _resolve(notebook: Path, ref: str, cache: dict, directory: Path | None = None):
    """(text the marker should show, or None; a problem, or None) for a marker's `[STEM:]KEY [FIELD]`."""
    parts = ref.split()
    if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1] not in FIELDS):
        return None, f"marker '<!--fig {ref}-->': write KEY, KEY iqr, KEY n or STEM:KEY"
    stem, _, key = parts[0].rpartition(":")
    path = results_path(notebook, stem or None, directory)
    if path not in cache:
        cache[path] = json.loads(path.read_text()) if path.exists() else None
    data = cache[path]
    if data is None:
        return None, f"{path.name} is missing: run `python -m dlsys_lab.bench.figures run {notebook.name}` in full mode"
    if key == "@source":
        return source_text(path.name, data), None
    if key not in data["figures"]:
        return None, f"{path.name} has no figure {key!r} (its notebook must record it)"
    return figure_text(data["figures"][key], parts[1] if len(parts) == 2 else None), None


def _markdown_cells(notebook: Path) -> list:
    return [(i, c) for i, c in enumerate(json.loads(notebook.read_text())["cells"]) if c["cell_type"] == "markdown"]


def _unmarked_figures(text: str, allowed: dict) -> list[str]:
    """Measured-looking numbers outside markers, math, code spans and allowed phrases."""
    text = MARKER.sub(" ", text)
    for pattern in (r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"`[^`\n]+`"):
        text = re.sub(pattern, " ", text, flags=re.S)
    for phrase in allowed:
        text = text.replace(phrase, " ")
    return [m.group(0) for m in MEASURED_LOOKING.finditer(text)]


def check(notebooks) -> list[str]:
    """Every disagreement between a notebook's markdown and its results files, one line each ([] when none)."""
    problems, cache = [], {}
    for notebook in map(Path, notebooks):
        name = notebook.resolve().relative_to(ROOT).as_posix() if notebook.resolve().is_relative_to(ROOT) else str(notebook)
        allowed, seen = ALLOWED.get(name, {}), ""
        for index, cell in _markdown_cells(notebook):
            text = "".join(cell["source"])
            seen += text
            for match in MARKER.finditer(text):
                where = f"{name} cell {index} <!--fig {match['ref']}-->"
                line_start = text.rfind("\n", 0, match.start()) + 1
                if not text[line_start:match.start()].strip():
                    problems.append(f"{where}: starts a line, which markdown reads as an HTML block; put words first")
                want, problem = _resolve(notebook, match["ref"], cache)
                if problem:
                    problems.append(f"{where}: {problem}")
                elif match["text"] != want:
                    problems.append(f"{where}: shows {match['text']!r}, its file says {want!r} (run fill)")
            problems += [f"{name} cell {index}: {figure!r} looks measured but has no marker"
                         for figure in _unmarked_figures(text, allowed)]
        problems += [f"{name}: allowed phrase {phrase!r} no longer occurs" for phrase in allowed if phrase not in seen]
    for path, data in cache.items():
        if data is not None:
            machine = data["machine"]
            if machine["fast mode"]:
                problems.append(f"{path.name}: written by a fast (test) run, not a full one")
            if machine["load average"]["start"][0] >= 1:
                problems.append(f"{path.name}: measured at load average {machine['load average']['start'][0]} "
                                "(a quiet machine has less than 1): rerun when the machine is idle")
    return problems


def missing_keys(notebook: Path, directory: Path) -> list[str]:
    """The markers of a notebook whose key its own results file in `directory` (a fast run's) does not have."""
    cache = {}
    return [f"{notebook.name} cell {index} <!--fig {m['ref']}-->: {problem}" for index, cell in _markdown_cells(notebook)
            for m in MARKER.finditer("".join(cell["source"])) if ":" not in m["ref"]
            for _, problem in [_resolve(notebook, m["ref"], cache, directory)] if problem]


def fill(notebook: Path) -> int:
    """Rewrite every marked span of a notebook from its files; returns how many spans changed."""
    import nbformat

    nb, cache, changed = nbformat.read(notebook, as_version=4), {}, 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue

        def replace(match):
            nonlocal changed
            want, problem = _resolve(notebook, match["ref"], cache)
            if problem:
                raise SystemExit(f"{notebook}: {problem}")
            changed += want != match["text"]
            return f"<!--fig {match['ref']}-->{want}<!--/fig-->"

        cell.source = MARKER.sub(replace, cell.source)
    if changed:
        nbformat.write(nb, notebook)
    return changed


def wait_for_quiet(limit: float = 0.5, max_wait_s: float = 1800, poll_s: float = 15) -> float:
    """Wait until the 1-minute load average is below `limit` (at most max_wait_s); returns the load then.

    Below 0.5 rather than 1, so that the notebook's own kernel start and imports leave it under 1 when it records.
    """
    deadline = time.monotonic() + max_wait_s
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(poll_s)
    return os.getloadavg()[0]


def run(notebooks, max_wait_s: float = 1800) -> None:
    """Execute each notebook in full mode on a quiet machine, one after another, then fill its markdown."""
    from dlsys_lab.notebooks import execute_notebook

    for notebook in map(Path, notebooks):
        if "<!--fig " not in notebook.read_text():
            print(f"{notebook}: cites no measured figure, not run")
            continue
        load = wait_for_quiet(max_wait_s=max_wait_s)
        print(f"{notebook}: load average {load:.2f}, running in full mode...", flush=True)
        start = time.perf_counter()
        execute_notebook(notebook, timeout=3600, fast=False, slow_cell_s=3600)
        print(f"{notebook}: {time.perf_counter() - start:.0f} s; {fill(notebook)} spans changed", flush=True)


def main(argv=None) -> int:
    """`run`, `fill` or `check` notebooks (check and run default to NOTEBOOKS)."""
    parser = argparse.ArgumentParser(prog="python -m dlsys_lab.bench.figures", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "fill", "check"))
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--max-wait", type=float, default=1800, help="run: seconds to wait for a 1-minute load average below 0.5 before each notebook")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or [ROOT / n for n in NOTEBOOKS]
    if args.command == "run":
        run(notebooks, args.max_wait)
    elif args.command == "fill":
        for notebook in notebooks:
            print(f"{notebook}: {fill(notebook)} spans changed")
    problems = check(notebooks)
    print("\n".join(problems) if problems else f"{len(notebooks)} notebooks agree with their results files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
