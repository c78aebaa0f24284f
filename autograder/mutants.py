"""Mutants: plausible wrong answers kept beside a lab (source/LAB/mutants/*.py). Each file starts with
`# mutant: what is wrong` and `# cell: GRADE_ID` and holds the code that replaces that solution cell."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from autograder import cells


@dataclass(frozen=True)
class Mutant:
    """One wrong answer for one solution cell."""
    name: str
    description: str
    cell: str
    notebook: str
    code: str


def load_mutants(lab_dir: Path, default_notebook: str) -> list[Mutant]:
    """The mutants of a lab; a file without its header lines is an error naming the fix."""
    found = []
    for path in sorted((lab_dir / "mutants").glob("*.py")):
        header = {}
        for line in path.read_text().splitlines():
            if not line.startswith("# ") or ":" not in line:
                break
            key, value = line[2:].split(":", 1)
            header[key.strip()] = value.strip()
        if "cell" not in header or "mutant" not in header:
            raise ValueError(f"{path}: start with '# mutant: what is wrong' and '# cell: GRADE_ID' lines")
        found.append(Mutant(path.stem, header["mutant"], header["cell"],
                            header.get("notebook", default_notebook), path.read_text()))
    return found


def apply(nb, mutant: Mutant):
    """A copy of the source notebook with the mutant's cell replaced."""
    mutated = copy.deepcopy(nb)
    targets = [c for c in mutated.cells if cells.nbgrader_meta(c).get("grade_id") == mutant.cell
               and cells.role(c) == cells.SOLUTION]
    if not targets:
        raise ValueError(f"mutant {mutant.name}: no solution cell '{mutant.cell}' in {mutant.notebook}")
    targets[0].source = mutant.code
    return mutated
