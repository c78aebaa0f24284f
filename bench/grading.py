"""Seconds per submission: `dlsys grade` with --jobs 1 and --jobs 2 (sandbox on) against plain
`nbgrader autograde`, on the same copies of lab01 (a lab that imports torch), measured in one run.
With --cluster: `dlsys grade --jobs 2` against `dlsys grade --cluster` on a 2-worker local Dask cluster (started
before timing: the cluster is an existing one), 80 submissions by default, alternating, --repeat times."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = "lab01_models"


def make_course(root: Path, students: int) -> Path:
    """A course copy with `students` solution submissions, in both our layout and nbgrader's submitted/."""
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder / LAB, root / folder / LAB)
    (root / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", root / "autograder")
    shutil.copy(REPO / "nbgrader_config.py", root)
    for i in range(students):
        for base in (root / "subs", root / "submitted"):
            (base / f"s{i:03d}" / LAB).mkdir(parents=True)
            shutil.copy(REPO / "source" / LAB / f"{LAB}.ipynb", base / f"s{i:03d}" / LAB)
    return root


def run(command: list[str], cwd: Path) -> None:
    """Run a command with the environment's bin/ on PATH (nbgrader calls `alembic`); it must succeed."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of a command."""
    start = time.perf_counter()
    run(command, cwd)
    return time.perf_counter() - start


def compare_cluster(submissions: int, repeat: int) -> None:
    """Print seconds per submission locally (--jobs 2) and on a 2-worker local cluster, and the overhead."""
    from statistics import median
    sys.path.insert(0, str(REPO))
    from autograder.cluster import local_cluster
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    grade = [sys.executable, "-m", "dlsys_lab", "grade", LAB, "subs", "--force", "--quiet"]
    times: dict[str, list[float]] = {"local": [], "cluster": []}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as temp:
        root = make_course(Path(temp), submissions)
        with local_cluster(2, env) as (address, _):
            csv = root / "grades" / LAB / "grades.csv"
            for _ in range(repeat):
                times["local"].append(timed(grade + ["--jobs", "2"], cwd=root))
                local = csv.read_bytes()
                times["cluster"].append(timed(grade + ["--cluster", address], cwd=root))
                if csv.read_bytes() != local or local.count(b",20.0,20.0,ok,") != submissions:
                    raise SystemExit("the cluster's grades.csv differs from local grading's (or not all got 20/20)")
    n, load = submissions, os.getloadavg()
    print(f"{n} submissions of {LAB}, {repeat} alternating runs each; seconds per submission (wall, including worker "
          f"start-up); load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")
    for name, label in (("local", "dlsys grade --jobs 2        "), ("cluster", "dlsys grade --cluster (2 w.)")):
        values = [t / n for t in times[name]]
        print(f"  {label} median {median(values):6.3f}  (min {min(values):.3f}, max {max(values):.3f})")
    ratio = median(times["cluster"]) / median(times["local"])
    print(f"  cluster / local: x{ratio:.2f}; overhead per submission "
          f"{(median(times['cluster']) - median(times['local'])) / n * 1000:+.0f} ms")


def main() -> None:
    """Print seconds per submission for each grader and the throughput ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=None, help="40, or 80 with --cluster")
    parser.add_argument("--cluster", action="store_true", help="local --jobs 2 against a 2-worker local cluster")
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs of each (with --cluster)")
    args = parser.parse_args()
    if args.cluster:
        compare_cluster(args.submissions or 80, args.repeat)
        return
    args.submissions = args.submissions or 40
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as temp:
        root = make_course(Path(temp), args.submissions)
        python = sys.executable
        run([python, "-m", "nbgrader", "generate_assignment", LAB, "--force"], cwd=root)
        plain = timed([python, "-m", "nbgrader", "autograde", LAB], cwd=root)
        ours = {jobs: timed([python, "-m", "dlsys_lab", "grade", LAB, "subs", "--jobs", str(jobs), "--force",
                             "--quiet"], cwd=root) for jobs in (1, 2)}
    n = args.submissions
    print(f"{n} submissions of {LAB}; seconds per submission (wall, including worker start-up)")
    print(f"  nbgrader autograde      {plain / n:6.2f}")
    for jobs, seconds in ours.items():
        print(f"  dlsys grade --jobs {jobs}    {seconds / n:6.2f}   throughput x{plain / seconds:.2f} of nbgrader")


if __name__ == "__main__":
    main()
