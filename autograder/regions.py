"""The graded regions of dlsys_lab: the function bodies a graded lab asks students to write, between marker
lines (`# BEGIN LAB <lab> <qualname>` / `# END LAB <lab>` in Python, `//` in C++; see dlsys_lab/student.py).
Finds and checks them, turns them into stubs, and normalises text to tell whether a region's answer leaks."""
from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

from autograder.course import CourseError

PYTHON_SUFFIXES = (".py",)
CXX_SUFFIXES = (".cpp", ".cc", ".h", ".hpp", ".cu", ".cuh")
LAB_NAME = re.compile(r"lab\d\d_[A-Za-z0-9_]+$")
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<lead>#|//)\s*(?P<kind>BEGIN|END) LAB\b(?P<rest>.*)$")
MIN_LEAK_CHARS = 24  # shorter normalised regions ("returnself.fn(x)+x") coincide with ordinary code


class RegionError(CourseError):
    """A marker problem, with the file and line in its message."""


@dataclass(frozen=True)
class Region:
    """One marked function body: the marker lines are begin and end (0-based line indices)."""
    path: str             # relative to the package's parent folder, with / separators
    lab: str
    name: str
    begin: int
    end: int
    indent: str
    body: tuple[str, ...]  # the lines between the markers, newlines included
    call: str = ""         # Python: the enclosing function's parameters as call arguments
    is_async: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """(lab, name): how stubs, registrations and unlocking name a region."""
        return self.lab, self.name

    @property
    def where(self) -> str:
        """file:line of the BEGIN marker (1-based)."""
        return f"{self.path}:{self.begin + 1}"


def language(path: Path | str) -> str | None:
    """'python', 'c++' or None (a file that cannot hold regions)."""
    suffix = Path(path).suffix
    return "python" if suffix in PYTHON_SUFFIXES else "c++" if suffix in CXX_SUFFIXES else None


def _marker_lines(text: str, lang: str, where: str) -> list[int]:
    """Indices of the lines that are marker comments (in Python only real comments, never strings)."""
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if "BEGIN LAB" in line or "END LAB" in line]
    if lang != "python" or not candidates:
        return [i for i in candidates if lines[i].lstrip().startswith("//")]
    try:
        comments = {tok.start[0] - 1: tok for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                    if tok.type == tokenize.COMMENT and re.search(r"(BEGIN|END) LAB\b", tok.string)}
    except (tokenize.TokenError, SyntaxError) as exc:
        raise RegionError(f"{where}: cannot read the file's tokens to find markers: {exc}") from None
    for i, tok in sorted(comments.items()):
        if lines[i][:tok.start[1]].strip():
            raise RegionError(f"{where}:{i + 1}: a marker goes on a line of its own")
    return sorted(comments)


def find_regions(text: str, path: str, known_labs=None) -> list[Region]:
    """The regions of one file's text; RegionError names file:line for a malformed, unmatched or nested
    marker, a lab that is not in known_labs (when given), or (Python) a region that is not one whole body."""
    lang = language(path)
    if lang is None:
        return []
    lines = text.splitlines(keepends=True)
    found, open_ = [], None
    for i in _marker_lines(text, lang, path):
        match = _MARKER.match(lines[i].rstrip("\r\n"))
        lead = "#" if lang == "python" else "//"
        words = match.group("rest").split() if match else []
        want = 2 if match and match.group("kind") == "BEGIN" else 1
        if not match or match.group("lead") != lead or len(words) != want:
            raise RegionError(f"{path}:{i + 1}: malformed marker {lines[i].strip()!r}; write "
                              f"'{lead} BEGIN LAB <lab> <qualname>' ... '{lead} END LAB <lab>' on lines of their own")
        lab = words[0]
        if not LAB_NAME.match(lab):
            raise RegionError(f"{path}:{i + 1}: {lab!r} is not a lab name (labNN_name, as under source/)")
        if match.group("kind") == "BEGIN":
            if known_labs is not None and lab not in known_labs:
                raise RegionError(f"{path}:{i + 1}: unknown lab {lab!r}; labs are: "
                                  f"{', '.join(sorted(known_labs)) or 'none'}")
            if open_ is not None:
                raise RegionError(f"{path}:{i + 1}: BEGIN LAB inside the region opened at line {open_[0] + 1}; "
                                  "regions do not nest")
            open_ = (i, lab, words[1], match.group("indent"))
            continue
        if open_ is None:
            raise RegionError(f"{path}:{i + 1}: END LAB {lab} without a BEGIN LAB before it")
        if lab != open_[1]:
            raise RegionError(f"{path}:{i + 1}: END LAB {lab} closes the region of {open_[1]} opened at line "
                              f"{open_[0] + 1}")
        found.append(Region(path, lab, open_[2], open_[0], i, open_[3], tuple(lines[open_[0] + 1:i])))
        open_ = None
    if open_ is not None:
        raise RegionError(f"{path}:{open_[0] + 1}: BEGIN LAB {open_[1]} is never closed by '# END LAB {open_[1]}'")
    return _with_functions(text, path, found) if lang == "python" and found else found


def _functions(tree: ast.AST):
    """(qualname, node) of every function in a module, outermost first."""
    stack = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                stack.append((child, f"{prefix}{child.name}.<locals>."))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, f"{prefix}{child.name}."))
            else:
                stack.append((child, prefix))


def call_arguments(args: ast.arguments) -> str:
    """The parameters of a def, written as the arguments of a call that passes them all on."""
    parts = [a.arg for a in (*args.posonlyargs, *args.args)]
    parts += [f"*{args.vararg.arg}"] if args.vararg else []
    parts += [f"{a.arg}={a.arg}" for a in args.kwonlyargs]
    parts += [f"**{args.kwarg.arg}"] if args.kwarg else []
    return ", ".join(parts)


def _with_functions(text: str, path: str, regions: list[Region]) -> list[Region]:
    """Check that each Python region is the whole body of the function its marker names; add its call."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise RegionError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    functions = list(_functions(tree))
    checked = []
    for region in regions:
        begin, end = region.begin + 1, region.end + 1  # 1-based, as ast counts
        around = [(q, f) for q, f in functions if f.lineno < begin <= f.end_lineno]
        if not around:
            raise RegionError(f"{region.where}: the region is not inside a function; a region is a function's body")
        qualname, func = max(around, key=lambda qf: qf[1].lineno)
        if qualname != region.name:
            raise RegionError(f"{region.where}: the marker names {region.name!r} but the function is {qualname!r}")
        body = func.body[1:] if ast.get_docstring(func, clean=False) is not None else func.body
        outside = [s for s in body if not begin < s.lineno <= s.end_lineno < end]
        if not body or outside:
            line = outside[0].lineno if outside else func.lineno
            raise RegionError(f"{path}:{line}: {qualname} has code outside its region (lines {begin}-{end}); "
                              "the region must hold the whole body after the docstring")
        checked.append(Region(**{**region.__dict__, "call": call_arguments(func.args),
                                 "is_async": isinstance(func, ast.AsyncFunctionDef)}))
    return checked


def stub_lines(region: Region) -> list[str]:
    """What a region holds in the student edition: a call of the student's registered implementation
    (Python), or an error naming the lab (C++)."""
    pad = region.indent
    message = (f"{region.name} is implemented in {region.lab}: run your solution cell of {region.lab}, "
               f"or ask your instructor to unlock {region.lab}")
    if language(region.path) == "python":
        await_ = "await " if region.is_async else ""
        return [f"{pad}from dlsys_lab import student as _student\n",
                f"{pad}return {await_}_student.implementation({region.lab!r}, {region.name!r})({region.call})\n"]
    throw = f'{pad}throw std::runtime_error("{message}");\n'
    if Path(region.path).suffix in (".cu", ".cuh"):
        return [f"#ifdef __CUDA_ARCH__\n", f"{pad}__trap();  // {message}\n", "#else\n", throw, "#endif\n"]
    return [throw]


def replace_bodies(text: str, regions: list[Region], bodies: dict[tuple[str, str], list[str]]) -> str:
    """text with the body of each region whose key is in bodies replaced; C++ files gain <stdexcept> when a
    stub needs it."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for region in sorted(regions, key=lambda r: r.begin, reverse=True):
        if region.key in bodies:
            lines[region.begin + 1:region.end] = bodies[region.key]
    new = "".join(lines)
    if language(regions[0].path if regions else "") == "c++" and "std::runtime_error" in new \
            and "<stdexcept>" not in new:
        new = _add_include(new)
    return new


def _add_include(text: str) -> str:
    lines = text.splitlines(keepends=True)
    last = max([i for i, line in enumerate(lines) if line.startswith(("#include", "#pragma once"))], default=-1)
    lines.insert(last + 1, "#include <stdexcept>\n")
    return "".join(lines)


def package_regions(package: Path, known_labs=None) -> list[Region]:
    """Every region of a package folder (paths relative to its parent, e.g. dlsys_lab/autodiff/graph.py);
    a (lab, name) marked twice is an error naming both places."""
    package = Path(package)
    regions, seen = [], {}
    for path in sorted(package.rglob("*")):
        if not path.is_file() or language(path) is None or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package.parent).as_posix()
        for region in find_regions(path.read_text(), relative, known_labs):
            if region.key in seen:
                raise RegionError(f"{region.where}: {region.name} of {region.lab} is marked twice "
                                  f"(also at {seen[region.key]})")
            seen[region.key] = region.where
            regions.append(region)
    return regions


def normalise(text: str, lang: str = "python") -> str:
    """The text without comments and whitespace, so that re-indenting or re-commenting hides nothing."""
    if lang == "python":
        try:
            tokens = tokenize.generate_tokens(io.StringIO(textwrap.dedent(text)).readline)
            skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                    tokenize.ENDMARKER}
            return "".join(re.sub(r"\s+", "", tok.string) for tok in tokens if tok.type not in skip)
        except (tokenize.TokenError, SyntaxError, IndentationError):
            text = re.sub(r"#[^\n]*", "", text)
    else:
        text = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"\s+", "", text)


def leaks(texts: dict[str, str], regions: list[Region], min_chars: int = MIN_LEAK_CHARS) -> list[str]:
    """'lab name (file:line) found in WHERE' for each region whose normalised body appears in one of texts
    ({where: text}; the language follows where's suffix, Python otherwise)."""
    normal = {where: normalise(text, language(where) or "python") for where, text in texts.items()}
    found = []
    for region in regions:
        needle = normalise("".join(region.body), language(region.path))
        if len(needle) < min_chars:
            continue
        found += [f"{region.lab} {region.name} ({region.where}) found in {where}"
                  for where, haystack in normal.items() if needle in haystack]
    return found
