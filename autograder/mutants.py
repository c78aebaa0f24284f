"""Mutants: plausible wrong answers kept beside a lab (source/LAB/mutants/NAME.diff). Each file starts with
`# mutant: what is wrong` and `# cell: GRADE_ID` (and `# notebook: FILE` if the lab has several), then a
unified diff of that solution cell. Only the changed lines are kept, so a mutant never goes stale silently:
when the solution changes under a hunk, applying it fails with a message naming the mutant.

`dlsys mutant new source/LAB NAME --cell ID --why "what is wrong" EDITED_CELL.py` writes
one from a whole edited copy of the cell.
"""
from __future__ import annotations

import argparse
import copy
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import cells

SUFFIX = ".diff"


@dataclass(frozen=True)
class Hunk:
    """Lines of the solution cell (`old`) and what the mutant puts in their place (`new`)."""
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Mutant:
    """One wrong answer for one solution cell."""
    name: str
    description: str
    cell: str
    notebook: str
    hunks: tuple[Hunk, ...]


def parse_hunks(diff_lines: list[str], where: str) -> tuple[Hunk, ...]:
    """The hunks of a unified diff (line numbers are ignored: hunks are found by their text)."""
    hunks, old, new = [], None, None
    for line in diff_lines:
        if line.startswith("@@"):
            if old is not None:
                hunks.append(Hunk(tuple(old), tuple(new)))
            old, new = [], []
        elif old is None:
            continue  # the diff's own header (--- and +++ lines) before the first hunk
        elif line.startswith(" ") or line == "":
            old.append(line[1:]), new.append(line[1:])
        elif line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        else:
            raise ValueError(f"{where}: unexpected line in the diff: {line!r}")
    if old is not None:
        hunks.append(Hunk(tuple(old), tuple(new)))
    if not hunks:
        raise ValueError(f"{where}: no hunk ('@@' line) after the header: write a unified diff of the cell")
    return tuple(hunks)


def load_mutants(lab_dir: Path, default_notebook: str) -> list[Mutant]:
    """The mutants of a lab; a file without its header lines is an error naming the fix."""
    found = []
    for path in sorted((lab_dir / "mutants").glob(f"*{SUFFIX}")):
        lines = path.read_text().splitlines()
        header, body = {}, 0
        while body < len(lines) and lines[body].startswith("# ") and ":" in lines[body]:
            key, value = lines[body][2:].split(":", 1)
            header[key.strip()] = value.strip()
            body += 1
        if "cell" not in header or "mutant" not in header:
            raise ValueError(f"{path}: start with '# mutant: what is wrong' and '# cell: GRADE_ID' lines")
        found.append(Mutant(path.stem, header["mutant"], header["cell"], header.get("notebook", default_notebook),
                            parse_hunks(lines[body:], str(path))))
    return found


def _replace(source: list[str], hunk: Hunk, where: str) -> list[str]:
    n = len(hunk.old)
    starts = [i for i in range(len(source) - n + 1) if tuple(source[i:i + n]) == hunk.old]
    if len(starts) != 1:
        found = "is no longer there" if not starts else f"occurs {len(starts)} times"
        raise ValueError(f"{where}: the solution text this mutant changes {found} (first line: "
                         f"{hunk.old[0] if hunk.old else ''!r}); update the mutant to the current solution")
    i = starts[0]
    return source[:i] + list(hunk.new) + source[i + n:]


def mutated_source(solution: str, mutant: Mutant) -> str:
    """The solution cell's code with every hunk of the mutant applied."""
    lines = solution.splitlines()
    for number, hunk in enumerate(mutant.hunks, 1):
        lines = _replace(lines, hunk, f"mutant {mutant.name}, hunk {number} (cell '{mutant.cell}')")
    return "\n".join(lines) + ("\n" if solution.endswith("\n") else "")


def apply(nb, mutant: Mutant):
    """A copy of the source notebook with the mutant's cell changed."""
    mutated = copy.deepcopy(nb)
    target = solution_cell(mutated, mutant.cell)
    if target is None:
        raise ValueError(f"mutant {mutant.name}: no solution cell '{mutant.cell}' in {mutant.notebook}")
    solution = target.source
    target.source = mutated_source(solution, mutant)
    if _compiles(solution) and not _compiles(target.source):
        raise ValueError(f"mutant {mutant.name} does not compile: a mutant must be a wrong answer that runs, "
                         f"or the tests it 'catches' fail for the wrong reason")
    return mutated


def solution_cell(nb, grade_id: str):
    """The notebook's solution cell with this grade id, or None."""
    return next((c for c in nb.cells if cells.nbgrader_meta(c).get("grade_id") == grade_id
                 and cells.role(c) == cells.SOLUTION), None)


def _compiles(code: str) -> bool:
    try:
        compile(code, "<cell>", "exec")
    except SyntaxError:
        return False
    return True


def diff_text(description: str, cell: str, solution: str, edited: str, notebook: str | None = None) -> str:
    """The text of a mutant file: the header lines and a unified diff from the solution to the edited cell."""
    header = [f"# mutant: {description}", f"# cell: {cell}"] + ([f"# notebook: {notebook}"] if notebook else [])
    diff = list(difflib.unified_diff(solution.splitlines(), edited.splitlines(), "solution", "mutant", lineterm=""))
    if not diff:
        raise ValueError("the edited cell is the same as the solution: a mutant must change something")
    return "\n".join(header + diff) + "\n"


def _solution_cell(lab_dir: Path, cell: str, notebook: str | None) -> tuple[str, str]:
    for path in sorted(lab_dir.glob("*.ipynb")):
        if notebook and path.name != notebook:
            continue
        found = solution_cell(nbformat.read(path, as_version=4), cell)
        if found is not None:
            return path.name, found.source
    raise ValueError(f"no solution cell '{cell}' in {lab_dir}/*.ipynb")


def main(argv: list[str] | None = None) -> int:
    """`new`: write source/LAB/mutants/NAME.diff from a whole edited copy of one solution cell."""
    parser = argparse.ArgumentParser(prog="dlsys mutant", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="write a mutant from an edited copy of a solution cell")
    new.add_argument("lab_dir", type=Path, help="source/LAB")
    new.add_argument("name", help="the mutant's file name, without .diff")
    new.add_argument("edited", type=Path, help="a file holding the whole edited cell")
    new.add_argument("--cell", required=True, help="the solution cell's grade id")
    new.add_argument("--why", required=True, help="what is wrong, in a few words")
    new.add_argument("--notebook", help="the notebook, when the lab has several")
    args = parser.parse_args(argv)
    notebook, solution = _solution_cell(args.lab_dir, args.cell, args.notebook)
    text = diff_text(args.why, args.cell, solution, args.edited.read_text(), args.notebook)
    target = args.lab_dir / "mutants" / f"{args.name}{SUFFIX}"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text)
    print(f"wrote {target}; `dlsys check {args.lab_dir.name}` shows whether a test catches it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
