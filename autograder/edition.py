"""The student edition: the copy of the course students get, with every graded region of dlsys_lab stubbed
(`dlsys release --student-edition OUT`), lab by lab unlocked after its deadline (`dlsys unlock LAB --edition
OUT`), and the private copy of dlsys_lab a grading run imports (earlier labs unlocked, the rest stubbed)."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from autograder import course
from autograder.course import CourseError
from autograder.regions import Region, find_regions, package_regions, replace_bodies, stub_lines

RECORD = ".dlsys-edition.json"
PACKAGE = "dlsys_lab"
COURSE_FILES = ("README.md", "Makefile", "pyproject.toml", "environment.yml", ".gitignore", "nbgrader_config.py")
COURSE_DIRS = ("lectures", "labs", "bench", "autograder", ".ci", "jupyter")
# tests that need the instructor's source/ (the autograder's own tests, notebook runs of solutions) stay out
INSTRUCTOR_TEST = re.compile(r"""["'/]source["'/]|\badversarial\b|^\s*(from|import) autograder\b|^# instructor only\b""",
                             re.M)
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "*.egg-info", ".ipynb_checkpoints", "build")


def reference_package(root: Path | None = None) -> Path:
    """The instructor's dlsys_lab: the course's own folder, else the installed package the grader runs."""
    if root is not None and (Path(root) / PACKAGE / "__init__.py").is_file():
        return (Path(root) / PACKAGE).resolve()
    import dlsys_lab
    return Path(dlsys_lab.__file__).resolve().parent


def write_package(reference: Path, target: Path, regions: list[Region], unlocked=()) -> None:
    """Copy the package to target with every region (of package_regions(reference)) of a lab not in unlocked
    stubbed."""
    shutil.copytree(reference, target, ignore=IGNORE)
    by_file: dict[str, list[Region]] = {}
    for region in regions:
        by_file.setdefault(region.path, []).append(region)
    for relative, found in by_file.items():
        stubs = {r.key: stub_lines(r) for r in found if r.lab not in unlocked}
        path = target.joinpath(*Path(relative).parts[1:])
        path.write_text(replace_bodies(path.read_text(), found, stubs))


def read_record(out: Path) -> dict:
    """The edition's record (released labs, unlocked labs, regions); CourseError when out is no edition."""
    path = Path(out) / RECORD
    if not path.is_file():
        raise CourseError(f"{out} is not a student edition (no {RECORD}); make one with "
                          f"`dlsys release --student-edition {out}`")
    return json.loads(path.read_text())


def _write_record(out: Path, record: dict) -> None:
    (Path(out) / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def _check_target(root: Path, out: Path) -> None:
    root, out = root.resolve(), out.resolve()
    if out == root or root.is_relative_to(out):
        raise CourseError(f"{out} holds the course itself; give a new folder for the student edition")
    if out.exists() and (not out.is_dir() or (any(p.name != ".git" for p in out.iterdir())
                                              and not (out / RECORD).is_file())):
        raise CourseError(f"{out} exists and is not a student edition; give a new or empty folder")


def instructor_only_tests(tests: Path) -> list[str]:
    """Test files that need the instructor's source/, say `# instructor only` (they hold an oracle that is a graded
    answer), or import a test module that does: left out of the edition."""
    texts = {p.name: p.read_text() for p in tests.glob("*.py")}
    left = {name for name, text in texts.items() if INSTRUCTOR_TEST.search(text)}
    while True:
        imports = re.compile(r"^\s*(from|import) (%s)\b" % "|".join(re.escape(n[:-3]) for n in left), re.M)
        more = {name for name, text in texts.items() if name not in left and left and imports.search(text)}
        if not more:
            return sorted(left)
        left |= more


def build_edition(root: Path, out: Path, labs: list[str] | None = None) -> dict:
    """Write the student edition of the course at root into out (rebuilt in place if out is an edition,
    keeping its unlocked labs and its .git); returns the edition's record."""
    root, out = Path(root), Path(out)
    known = course.labs(root)
    labs = sorted(known if labs is None else labs)
    for lab in labs:
        course.lab_dir(root, lab)
        if not (root / "release" / lab).is_dir():
            raise CourseError(f"release/{lab} is missing; run `dlsys release {lab}` first")
    _check_target(root, out)
    unlocked = read_record(out)["unlocked"] if (out / RECORD).is_file() else []
    reference = reference_package(root)
    regions = package_regions(reference, known)  # checked before anything is deleted
    for entry in out.iterdir() if out.exists() else []:
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    out.mkdir(parents=True, exist_ok=True)
    write_package(reference, out / PACKAGE, regions, unlocked)
    for name in COURSE_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    for name in COURSE_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, out / name, ignore=IGNORE)
    left_out = instructor_only_tests(root / "tests") if (root / "tests").is_dir() else []
    if (root / "tests").is_dir():
        shutil.copytree(root / "tests", out / "tests",
                        ignore=shutil.ignore_patterns(*left_out, "adversarial", "__pycache__", "*.pyc"))
    for lab in labs:
        shutil.copytree(root / "release" / lab, out / "release" / lab, ignore=IGNORE)
    record = {"edition": 1, "labs": labs, "unlocked": sorted(unlocked), "tests_left_out": left_out,
              "regions": _region_names(regions)}
    _write_record(out, record)
    return record


def _region_names(regions: list[Region]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for region in regions:
        names.setdefault(region.lab, []).append(region.name)
    return {lab: sorted(found) for lab, found in sorted(names.items())}


def unlock(root: Path, lab: str, out: Path) -> list[str]:
    """Put lab's reference regions into the edition at out; returns the files changed (none the second time)."""
    root, out = Path(root), Path(out)
    known = course.labs(root)
    if lab not in known:
        raise CourseError(f"unknown lab {lab!r}; labs are: {', '.join(known) or 'none'}")
    record = read_record(out)
    reference = [r for r in package_regions(reference_package(root), known) if r.lab == lab]
    changed = []
    for relative in sorted({r.path for r in reference}):
        target = out / relative
        theirs = {r.key: r for r in _file_regions(target, relative)}
        mine = {r.key: list(r.body) for r in reference if r.path == relative}
        missing = sorted(name for _, name in set(mine) - set(theirs))
        if missing:
            raise CourseError(f"{target} has no region for {', '.join(missing)} of {lab}; the edition is older "
                              f"than the course: rebuild it with `dlsys release --student-edition {out}`")
        text = target.read_text()
        new = replace_bodies(text, list(theirs.values()), mine)
        if new != text:
            target.write_text(new)
            changed.append(relative)
    record["unlocked"] = sorted(set(record["unlocked"]) | {lab})
    _write_record(out, record)
    return changed


def _file_regions(path: Path, relative: str) -> list[Region]:
    if not path.is_file():
        raise CourseError(f"{path} is missing from the edition; rebuild it with `dlsys release --student-edition`")
    return find_regions(path.read_text(), relative)


@contextlib.contextmanager
def grading_package(lab: str, root: Path | None = None):
    """A private folder holding the student edition of dlsys_lab for grading lab: the regions of every earlier
    lab unlocked (their reference), those of lab and later labs stubbed. Yields the folder to put on sys.path."""
    reference = reference_package(root)
    folder = Path(tempfile.mkdtemp(prefix="dlsys-edition-"))
    try:
        os.chmod(folder, 0o755)  # the sandbox's uid must read it
        regions = package_regions(reference)
        write_package(reference, folder / PACKAGE, regions, unlocked={r.lab for r in regions if r.lab < lab})
        yield str(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    """Entry point of `dlsys unlock LAB --edition OUT`."""
    parser = argparse.ArgumentParser(prog="dlsys unlock", description="after LAB's deadline, put its reference "
                                     "pieces of dlsys_lab into the student edition OUT")
    parser.add_argument("lab")
    parser.add_argument("--edition", type=Path, required=True,
                        help="the folder `dlsys release --student-edition` wrote")
    args = parser.parse_args(argv)
    try:
        changed = unlock(Path.cwd(), args.lab, args.edition)
    except CourseError as exc:
        print(f"dlsys unlock: {exc}", file=sys.stderr)
        return 2
    print(f"unlocked {args.lab} in {args.edition}: " + (", ".join(changed) if changed else "no file changed"))
    return 0
