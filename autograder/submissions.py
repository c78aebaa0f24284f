"""The entries of a SUBMISSIONS folder as students: <student>/<LAB>/*.ipynb, <student>/*.ipynb,
<student>.ipynb or <student>.zip, each copied into a private temp folder (the originals are only read)."""
from __future__ import annotations

import hashlib
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_ZIP_BYTES = 64 << 20
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


@dataclass
class Submission:
    """One student's work, copied under the grader's temp folder."""
    student: str
    notebooks: dict[str, Path] = field(default_factory=dict)   # lab notebook name -> copy to grade
    digest: str = ""
    error: str = ""


def discover(submissions: Path, lab: str, lab_notebooks: list[str], temp: Path) -> list[Submission]:
    """Every entry of the submissions folder, copied into temp; problems become per-student errors."""
    found = []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        student = entry.stem if entry.is_file() else entry.name
        if entry.is_file() and entry.suffix not in (".ipynb", ".zip"):
            continue
        sub = Submission(student)
        found.append(sub)
        if not STUDENT_ID.match(student):
            sub.error = f"error: '{student}' is not a usable student id; rename the entry (letters, digits, ._@+-)"
            continue
        folder = temp / student
        try:
            _copy_entry(entry, folder)
        except ValueError as exc:
            sub.error = f"error: {exc}"
            continue
        work = folder / lab if (folder / lab).is_dir() else folder
        sub.notebooks, sub.error = _match_notebooks(work, lab_notebooks)
        sub.digest = _digest(folder)
    return found


def _copy_entry(entry: Path, folder: Path) -> None:
    folder.mkdir(parents=True)
    if entry.is_dir():
        shutil.copytree(entry, folder, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if (Path(d) / n).is_symlink()])
    elif entry.suffix == ".ipynb":
        shutil.copyfile(entry, folder / entry.name)
    else:
        _extract_zip(entry, folder)


def _extract_zip(path: Path, folder: Path) -> None:
    """Extract only after every entry is checked: no absolute paths, no '..', no links, bounded size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            for info in members:
                parts = Path(info.filename).parts
                if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
                    raise ValueError(f"{path.name}: entry '{info.filename}' escapes its folder; "
                                     "re-create the zip from the lab folder")
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise ValueError(f"{path.name}: entry '{info.filename}' is a symbolic link; zip real files")
            if sum(i.file_size for i in members) > MAX_ZIP_BYTES:
                raise ValueError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES >> 20} MB; zip only the lab")
            archive.extractall(folder)
    except zipfile.BadZipFile:
        raise ValueError(f"{path.name} is not a readable zip file; re-export it") from None
    inner = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(inner) == 1 and inner[0].is_dir() and not any(folder.glob("*.ipynb")):
        for item in list(inner[0].iterdir()):
            item.rename(folder / item.name)
        inner[0].rmdir()


def _match_notebooks(work: Path, lab_notebooks: list[str]) -> tuple[dict[str, Path], str]:
    present = sorted(p for p in work.glob("*.ipynb") if not p.name.startswith("."))
    by_name = {p.name: p for p in present}
    matched = {name: by_name[name] for name in lab_notebooks if name in by_name}
    if not matched and len(lab_notebooks) == 1 and len(present) == 1:
        matched = {lab_notebooks[0]: present[0]}
    if not matched:
        return {}, f"error: no notebook of this lab found (expected {', '.join(lab_notebooks)})"
    for name, path in matched.items():
        try:
            nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the student's file
            return {}, (f"error: {name} is not a valid notebook ({type(exc).__name__}: {str(exc)[:120]}); "
                        "open it in Jupyter and save it again, or start from the release copy")
    return matched, ""


def _digest(folder: Path) -> str:
    hasher = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        hasher.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
