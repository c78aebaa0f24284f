"""A results table as Markdown: one row per measured thing, columns side by side.

Notebooks show it with `IPython.display.Markdown`; scripts print it as is.
"""
from __future__ import annotations

from typing import Mapping, Sequence


def format_cell(value, float_format: str) -> str:
    """One cell: floats with `float_format`, everything else with str()."""
    if isinstance(value, float):
        return format(value, float_format)
    return str(value)


def results_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None,
                  float_format: str = ".3g") -> str:
    """A Markdown table of `rows` (dicts); `columns` fixes their order (default: first-seen order)."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(format_cell(row.get(col, ""), float_format) for col in columns) + " |")
    return "\n".join(lines)
