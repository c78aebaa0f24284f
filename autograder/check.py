"""`dlsys check [LAB]`: the instructor's self-check of a lab. The solution scores full marks, the blank
release scores 0 without grader errors, and every graded test is failed by at least one kept mutant."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import course, mutants, sandbox
from autograder import generated as generate
from autograder.cells import test_cells
from autograder.edition import grading_package
from autograder.grading import Options, lab_tests, make_tasks, run_tasks
from autograder.protocol import Status, SubmissionResult


@dataclass
class LabCheck:
    """The outcome of checking one lab."""
    lab: str
    tests: int = 0
    mutants: int = 0
    caught: int = 0
    failures: list[str] = field(default_factory=list)
    generated: int = 0                                     # generated mutants graded (a sample)
    generated_of: int = 0                                  # generated mutants there were
    survivors: list[str] = field(default_factory=list)     # generated mutants no test catches


def _scores(result: SubmissionResult) -> tuple[dict[str, float], str, bool]:
    """Scores by test id, the statuses in words ("" when all ok), and whether it was graded at all (no
    submission or notebook status says it could not be)."""
    if not result.graded:
        return {}, result.status.text(result.detail), False
    statuses = [nb.status_text for nb in result.notebooks if nb.status is not Status.OK]
    return result.scores(), "; ".join(statuses), all(nb.status.graded for nb in result.notebooks)


def check_lab(root: Path, lab: str, options: Options, generated: int = 0, seed: int = 0) -> LabCheck:
    """Grade the solution, the blank release and every mutant of a lab (and a sample of `generated` generated
    mutants), and judge the tests by them."""
    sources = course.notebooks(root, lab)
    releases = course.notebooks(root, lab, "release") if (root / "release" / lab).is_dir() else {}
    test_ids, max_score = lab_tests(sources)
    points = {t.grade_id: t.points for p in sources.values() for t in test_cells(nbformat.read(p, as_version=4))}
    outcome = LabCheck(lab, tests=len(test_ids))
    if not releases:
        outcome.failures.append(f"release/{lab} is missing; run `dlsys release {lab}`")
        return outcome
    kept = mutants.load_mutants(root / "source" / lab, next(iter(sources)))
    outcome.mutants = len(kept)
    with tempfile.TemporaryDirectory(prefix="dlsys-check-") as temp:
        jobs = {"solution": dict(sources), "blank": dict(releases)}
        for mutant in kept:
            folder = Path(temp) / mutant.name
            folder.mkdir()
            nbformat.write(mutants.apply(nbformat.read(sources[mutant.notebook], as_version=4), mutant),
                           folder / mutant.notebook)
            jobs[f"mutant:{mutant.name}"] = {**sources, mutant.notebook: folder / mutant.notebook}
        sample, outcome.generated_of = generate.lab_mutants(sources, generated, seed)
        for number, made in enumerate(sample):
            folder = Path(temp) / f"generated-{number}"
            folder.mkdir()
            generate.write_notebook(folder / made.notebook, sources[made.notebook], made)
            jobs[f"generated:{made.name}"] = {**sources, made.notebook: folder / made.notebook}
        with grading_package(lab, root) as package_dir:
            options = dataclasses.replace(options, package_root=package_dir)
            results = run_tasks(make_tasks(jobs, sources, options), sources, options)
    solution, status, _ = _scores(results["solution"])
    if status or sum(solution.values()) != max_score:
        outcome.failures.append(f"solution scores {sum(solution.values()):g}/{max_score:g} {status}".strip())
    blank, status, _ = _scores(results["blank"])
    if status or sum(blank.values()) != 0 or set(blank) != set(test_ids):
        outcome.failures.append(f"blank release scores {sum(blank.values()):g} (want 0) {status}".strip())
    covered = set()
    for mutant in kept:
        scores, status, graded = _scores(results[f"mutant:{mutant.name}"])
        lost = {t for t in test_ids if scores.get(t, 0.0) < points[t]}
        if not graded or not lost:
            outcome.failures.append(f"mutant {mutant.name} ({mutant.description}) loses no points {status}".strip())
        else:
            outcome.caught += 1
            covered |= lost
    for made in sample:
        scores, status, _ = _scores(results[f"generated:{made.name}"])
        if not status and all(scores.get(t, 0.0) >= points[t] for t in test_ids):
            outcome.survivors.append(f"{made.notebook} cell {made.cell} line {made.line}, {made.change}: {made.text}")
        outcome.generated += 1
    for test_id in test_ids:
        if test_id not in covered:
            outcome.failures.append(f"no mutant fails {test_id}; add one under source/{lab}/mutants/")
    return outcome


def table(checks: list[LabCheck]) -> str:
    """The per-lab table: tests, mutants, mutants caught, verdict."""
    width = max([3] + [len(c.lab) for c in checks])
    lines = [f"{'lab':<{width}}  tests  mutants  caught  verdict"]
    for c in checks:
        lines.append(f"{c.lab:<{width}}  {c.tests:>5}  {c.mutants:>7}  {c.caught:>6}  {'ok' if not c.failures else 'FAIL'}")
        lines += [f"  - {failure}" for failure in c.failures]
        if c.generated:
            lines.append(f"  generated mutants: {c.generated} of {c.generated_of} graded, "
                         f"{c.generated - len(c.survivors)} caught, {len(c.survivors)} survive every test"
                         + (" (a hole in the tests, or a mutant that computes the same):" if c.survivors else ""))
            lines += [f"    ~ {survivor}" for survivor in c.survivors]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Entry point of `dlsys check`; exit code 1 when any lab fails its self-check."""
    parser = argparse.ArgumentParser(prog="dlsys check", description=__doc__)
    parser.add_argument("lab", nargs="?", help="one lab (default: every lab under source/)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--generated", type=int, nargs="?", const=20, default=0, metavar="N",
                        help="also grade N generated mutants per lab (default 20) and list those no test catches")
    parser.add_argument("--seed", type=int, default=0, help="which generated mutants are sampled")
    args = parser.parse_args(argv)
    root = Path.cwd()
    options = Options(jobs=args.jobs, use_sandbox=sandbox.available(), progress=args.generated > 0)
    try:
        names = [args.lab] if args.lab else course.labs(root)
        if args.lab:
            course.lab_dir(root, args.lab)
        checks = [check_lab(root, lab, options, args.generated, args.seed) for lab in names]
    except (course.CourseError, ValueError) as exc:
        print(f"dlsys check: {exc}", file=sys.stderr)
        return 2
    print(table(checks))
    return 1 if any(c.failures for c in checks) else 0
