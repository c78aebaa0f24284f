"""The notebook metadata JupyterLab expects, written into the committed notebooks: a notebook whose
`language_info` is only {"name": "python"} is marked unsaved as soon as its kernel starts.
`python -m dlsys_lab.notebook_metadata [NOTEBOOK...]` completes it (default: every notebook of the course)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURSE_NOTEBOOKS = ("lectures/*.ipynb", "labs/*.ipynb", "source/*/*.ipynb", "release/*/*.ipynb")
# what ipykernel reports for the course's Python (3.11); only the patch version differs between machines
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3", "version": "3.11.7"}
_BARE = re.compile(r'^( *)"language_info": \{\s*"name": "python"\s*\}', re.M)


def course_notebooks(root: Path = ROOT) -> list[Path]:
    """Every committed notebook of the course."""
    return sorted(p for pattern in COURSE_NOTEBOOKS for p in Path(root).glob(pattern))


def complete(path: Path) -> bool:
    """Replace a bare language_info by the full one, touching no other byte; True when the file changed."""
    text = path.read_text()

    def full(match):
        indent = match.group(1)
        body = json.dumps(LANGUAGE_INFO, indent=1, sort_keys=True).replace("\n", "\n" + indent)
        return f'{indent}"language_info": {body}'

    new = _BARE.sub(full, text, count=1)
    if new != text:
        path.write_text(new)
    return new != text


def main(argv: list[str]) -> int:
    """Complete the named notebooks (default: the course's); prints those it changed."""
    for path in map(Path, argv) if argv else course_notebooks():
        if complete(path):
            print(f"language_info completed: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
