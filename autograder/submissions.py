"""The entries of a SUBMISSIONS folder as students: <student>/<LAB>/*.ipynb, <student>/*.ipynb,
<student>.ipynb or <student>.zip, each copied into a private temp folder (the originals are only read)."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_ZIP_BYTES = 64 << 20       # what a zip may unpack to, and what a folder may hold
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")    # used with fullmatch: no trailing newline
CHUNK = 1 << 20


@dataclass
class Submission:
    """One student's work, copied under the grader's temp folder."""
    student: str
    notebooks: dict[str, Path] = field(default_factory=dict)   # lab notebook name -> copy to grade
    digest: str = ""
    error: str = ""          # why the entry cannot be graded (the detail of a Status.ERROR), or ""


def discover(submissions: Path, lab: str, lab_notebooks: list[str], temp: Path) -> list[Submission]:
    """Every entry of the submissions folder, copied into temp. Intake is per entry: whatever goes wrong
    with one (a bad id, two entries for one id, a link, an oversize folder, a broken zip) becomes that
    student's error status and never stops the others."""
    entries = [e for e in sorted(submissions.iterdir()) if not e.name.startswith(".")
               and (e.is_dir() or e.is_symlink() or e.suffix in (".ipynb", ".zip"))]
    owners: dict[str, list[str]] = {}
    for entry in entries:
        owners.setdefault(_student_of(entry), []).append(entry.name)
    found = []
    for entry in entries:
        sub = Submission(_student_of(entry))
        found.append(sub)
        try:
            sub.error = _intake(entry, sub, owners[sub.student], lab, lab_notebooks, temp)
        except Exception as exc:  # noqa: BLE001 - anything wrong with one entry is that student's problem
            sub.error = f"{entry.name} could not be read ({type(exc).__name__}: {str(exc)[:160]}); re-export it"
        if sub.error:
            sub.notebooks = {}
    return _one_row_per_id(found)


def _student_of(entry: Path) -> str:
    return entry.stem if entry.is_file() and not entry.is_symlink() else entry.name


def _intake(entry: Path, sub: Submission, same_id: list[str], lab: str, lab_notebooks, temp: Path) -> str:
    """Copy one entry and find its notebooks; returns why it cannot be graded, or ""."""
    if not STUDENT_ID.fullmatch(sub.student):
        return f"{sub.student!r} is not a usable student id; rename the entry (letters, digits, ._@+-)"
    if len(same_id) > 1:
        return f"{len(same_id)} entries for one student ({', '.join(same_id)}); keep one"
    if entry.is_symlink():
        return f"{entry.name} is a symbolic link; submit the file or folder itself"
    folder = temp / sub.student
    try:
        _copy_entry(entry, folder)
    except ValueError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return f"{exc}"
    work = folder / lab if (folder / lab).is_dir() else folder
    sub.notebooks, error = _match_notebooks(work, lab_notebooks)
    sub.digest = _digest(folder)
    return error


def _one_row_per_id(found: list[Submission]) -> list[Submission]:
    """Entries that share an id all carry the same error; keep one row for that id."""
    rows: dict[str, Submission] = {}
    for sub in found:
        rows.setdefault(sub.student, sub)
    return list(rows.values())


def _copy_entry(entry: Path, folder: Path) -> None:
    folder.mkdir(parents=True)
    if entry.is_dir():
        size = _folder_bytes(entry)
        if size > MAX_ZIP_BYTES:
            raise ValueError(f"{entry.name}/ holds {size >> 20} MB, more than {MAX_ZIP_BYTES >> 20} MB; "
                             "submit only the lab")
        shutil.copytree(entry, folder, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if (Path(d) / n).is_symlink()])
    elif entry.suffix == ".ipynb":
        shutil.copyfile(entry, folder / entry.name)
    else:
        _extract_zip(entry, folder)


def _folder_bytes(folder: Path) -> int:
    """The apparent size of every regular file under folder (links not followed)."""
    total = 0
    for root, dirs, names in os.walk(folder):
        for name in names:
            info = os.lstat(os.path.join(root, name))
            total += info.st_size if stat.S_ISREG(info.st_mode) else 0
    return total


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
                if info.flag_bits & 0x1:
                    raise ValueError(f"{path.name}: entry '{info.filename}' is encrypted; zip without a password")
            if sum(i.file_size for i in members) > MAX_ZIP_BYTES:
                raise ValueError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES >> 20} MB; zip only the lab")
            archive.extractall(folder)
    except (zipfile.BadZipFile, zlib.error, EOFError):
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
        return {}, f"no notebook of this lab found (expected {', '.join(lab_notebooks)})"
    for name, path in matched.items():
        try:
            nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the student's file
            return {}, (f"{name} is not a valid notebook ({type(exc).__name__}: {str(exc)[:120]}); "
                        "open it in Jupyter and save it again, or start from the release copy")
    return matched, ""


def _digest(folder: Path) -> str:
    """A hash of every file's name and bytes, read in chunks."""
    hasher = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        hasher.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                hasher.update(chunk)
    return hasher.hexdigest()
