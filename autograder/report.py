"""What grading leaves behind: grades/LAB/grades.csv, per-student feedback HTML (never a hidden test's
source), the state that lets a re-run skip unchanged submissions, and the summary table."""
from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from autograder.protocol import NotebookResult, Status, SubmissionResult, TestResult

FIXED_COLUMNS = ["student_id", "lab", "score", "max_score", "status"]


def row_for(student: str, lab: str, test_ids: list[str], max_score: float, result: SubmissionResult) -> dict:
    """One CSV row from a grading result."""
    row = {"student_id": student, "lab": lab, "score": 0.0, "max_score": max_score}
    if not result.graded:
        row["status"] = result.status_text
        return row
    scores = result.scores()
    row.update({test_id: round(scores.get(test_id, 0.0), 4) for test_id in test_ids})
    row["score"] = round(sum(scores.get(t, 0.0) for t in test_ids), 4)
    statuses = [nb.status_text for nb in result.notebooks if nb.status is not Status.OK]
    problems = [p for nb in result.notebooks for p in nb.problems]
    row["status"] = "; ".join(statuses) or "ok"
    if problems:
        row["status"] += " (" + "; ".join(problems) + ")"
    return row


def write_csv(path: Path, rows: list[dict], test_ids: list[str]) -> None:
    """grades.csv with the fixed columns, then one per test id."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, FIXED_COLUMNS + test_ids, restval="")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["student_id"]))


STYLE = """body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { padding: .3rem .8rem; border-bottom: 1px solid #ddd; }
th { text-align: left; } td.points { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #17692d; } .partial { color: #8a5a00; } .fail { color: #b3261e; }
.problem { background: #fdecea; padding: .5rem; border-radius: 4px; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; border-radius: 4px; }"""


def points(value: float) -> str:
    """A score as people write it: at most two decimals (4.36, 2, 0.5)."""
    return f"{round(value, 2):g}"


def outcome_class(test: TestResult) -> str:
    """pass, partial or fail, for colour."""
    return "pass" if test.score == test.points else ("partial" if test.score > 0 else "fail")


def write_feedback(folder: Path, student: str, lab: str, result: SubmissionResult) -> None:
    """feedback/<student>/<notebook>.html: a summary table, then points, message and (public tests only) source
    per test."""
    target = folder / student
    target.mkdir(parents=True, exist_ok=True)
    notebooks = result.notebooks or [NotebookResult(f"{lab}.ipynb", status=result.status, detail=result.detail)]
    for nb in notebooks:
        (target / (Path(nb.notebook).stem + ".html")).write_text(feedback_page(student, lab, nb))


def feedback_page(student: str, lab: str, nb: NotebookResult) -> str:
    """One notebook's feedback as an HTML page."""
    total = sum(t.score for t in nb.tests)
    most = sum(t.points for t in nb.tests)
    status_class = "pass" if nb.status is Status.OK else "fail"
    parts = [f"<h1>{html.escape(lab)}: {html.escape(nb.notebook)}</h1>",
             f"<p>Student {html.escape(student)}: <b>{points(total)} / {points(most)}</b>. "
             f"Status: <span class='{status_class}'>{html.escape(nb.status_text)}</span></p>"]
    parts += [f"<p class='problem'>{html.escape(p)}</p>" for p in nb.problems]
    rows = "".join(f"<tr class='{outcome_class(t)}'><td><a href='#{html.escape(t.grade_id)}'>"
                   f"{html.escape(t.grade_id)}</a></td><td class='points'>{points(t.score)} / "
                   f"{points(t.points)}</td><td>{outcome_class(t)}</td></tr>" for t in nb.tests)
    parts.append(f"<table><tr><th>test</th><th>points</th><th>result</th></tr>{rows}</table>")
    for test in nb.tests:
        kind = "hidden test" if test.hidden else "test"
        parts.append(f"<h2 id='{html.escape(test.grade_id)}' class='{outcome_class(test)}'>"
                     f"{html.escape(test.grade_id)} ({kind}): {points(test.score)} / {points(test.points)}"
                     f"</h2><p>{html.escape(test.message)}</p>")
        if test.source and not test.hidden:
            parts.append(f"<pre>{html.escape(test.source)}</pre>")
    return (f"<!doctype html><meta charset='utf-8'><title>feedback: {html.escape(lab)}</title>\n"
            f"<style>\n{STYLE}\n</style>\n" + "\n".join(parts) + "\n")


def load_state(path: Path) -> dict:
    """The previous run's state ({} when there is none or it is unreadable)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def summary_table(graded: list[tuple[dict, SubmissionResult]]) -> str:
    """A plain-text table from (CSV row, result) pairs: student, score, status, and a closing count."""
    rows = [row for row, _ in graded]
    width = max([len("student")] + [len(r["student_id"]) for r in rows])
    lines = [f"{'student':<{width}}  {'score':>13}  status", "-" * (width + 30)]
    for row in sorted(rows, key=lambda r: r["student_id"]):
        lines.append(f"{row['student_id']:<{width}}  {row['score']:>6g} / {row['max_score']:<4g}  {row['status']}")
    failed = sum(not result.graded for _, result in graded)
    lines.append(f"{len(rows)} submissions, {len(rows) - failed} graded, {failed} could not be graded")
    return "\n".join(lines)
