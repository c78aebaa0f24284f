"""A small side-by-side results table that renders as HTML in a notebook and as Markdown in text.

Rows are dicts; columns are the keys in first-seen order, so every framework lines up.
"""
from __future__ import annotations

import html


def _format(value) -> str:
    """One cell as text: floats get 4 significant digits, None is blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class SideBySideTable:
    """Rows of results (dicts) shown as one table; missing cells stay blank."""

    def __init__(self, rows, columns=None):
        self.rows = [dict(row) for row in rows]
        seen = list(columns or [])
        for row in self.rows:
            seen += [key for key in row if key not in seen]
        self.columns = seen

    def cells(self) -> list[list[str]]:
        """The table body as formatted strings, one list per row."""
        return [[_format(row.get(col)) for col in self.columns] for row in self.rows]

    def to_markdown(self) -> str:
        """The table as GitHub Markdown."""
        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(cells) + " |" for cells in self.cells()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The table as HTML for Jupyter."""
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in cells) + "</tr>"
                       for cells in self.cells())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __str__(self) -> str:
        return self.to_markdown()
