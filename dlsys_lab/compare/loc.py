"""Lines of code of a function or a source string, counted the same way for every framework.

Blank lines, comments and docstrings do not count; every other physical line does.
"""
from __future__ import annotations

import ast
import inspect
import io
import textwrap
import tokenize


def _docstring_lines(source: str) -> set[int]:
    """Line numbers covered by docstrings of the module, classes and functions in `source`."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def count_loc(obj_or_source) -> int:
    """Count code lines of a function, class, module or source string (no blanks, comments, docstrings)."""
    source = obj_or_source if isinstance(obj_or_source, str) else inspect.getsource(obj_or_source)
    source = textwrap.dedent(source)
    skip = _docstring_lines(source)
    code_lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                          tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        code_lines.update(range(token.start[0], token.end[0] + 1))
    return len(code_lines - skip)
