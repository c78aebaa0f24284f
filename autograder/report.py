"""What grading leaves behind: grades/LAB/grades.csv, per-student feedback HTML (never a hidden test's
source), the state that lets a re-run skip unchanged submissions, and the summary table."""
from __future__ import annotations

import csv
import html
import json
from pathlib import Path

FIXED_COLUMNS = ["student_id", "lab", "score", "max_score", "status"]


def row_for(student: str, lab: str, test_ids: list[str], max_score: float, result: dict) -> dict:
    """One CSV row from a grading result ({"notebooks": [...]} or {"error": ...})."""
    row = {"student_id": student, "lab": lab, "score": 0.0, "max_score": max_score}
    if "error" in result:
        row["status"] = result["error"] if result["error"].startswith("error") else f"error: {result['error']}"
        return row
    scores = {t["grade_id"]: t["score"] for nb in result["notebooks"] for t in nb["tests"]}
    row.update({test_id: scores.get(test_id, 0.0) for test_id in test_ids})
    row["score"] = round(sum(scores.get(t, 0.0) for t in test_ids), 4)
    statuses = [nb["status"] for nb in result["notebooks"] if nb["status"] != "ok"]
    problems = [p for nb in result["notebooks"] for p in nb["problems"]]
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


def write_feedback(folder: Path, student: str, lab: str, result: dict) -> None:
    """feedback/<student>/<notebook>.html: points, message and (public tests only) source per test."""
    target = folder / student
    target.mkdir(parents=True, exist_ok=True)
    notebooks = result.get("notebooks") or [{"notebook": f"{lab}.ipynb", "tests": [], "problems": [],
                                             "status": result.get("error", "error")}]
    for nb in notebooks:
        total = sum(t["score"] for t in nb["tests"])
        most = sum(t["points"] for t in nb["tests"])
        parts = [f"<h1>{html.escape(lab)}: {html.escape(nb['notebook'])}</h1>",
                 f"<p>Student {html.escape(student)}: <b>{total:g} / {most:g}</b>. "
                 f"Status: {html.escape(nb['status'])}</p>"]
        parts += [f"<p class='problem'>{html.escape(p)}</p>" for p in nb["problems"]]
        for test in nb["tests"]:
            kind = "hidden test" if test["hidden"] else "test"
            parts.append(f"<h2>{html.escape(test['grade_id'])} ({kind}): {test['score']:g} / {test['points']:g}</h2>"
                         f"<p>{html.escape(test['message'])}</p>")
            if test["source"] and not test["hidden"]:
                parts.append(f"<pre>{html.escape(test['source'])}</pre>")
        page = "<!doctype html><meta charset='utf-8'><title>feedback</title>\n" + "\n".join(parts) + "\n"
        (target / (Path(nb["notebook"]).stem + ".html")).write_text(page)


def load_state(path: Path) -> dict:
    """The previous run's state ({} when there is none or it is unreadable)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def summary_table(rows: list[dict]) -> str:
    """A plain-text table: student, score, status, and a closing count."""
    width = max([len("student")] + [len(r["student_id"]) for r in rows])
    lines = [f"{'student':<{width}}  {'score':>13}  status", "-" * (width + 30)]
    for row in sorted(rows, key=lambda r: r["student_id"]):
        lines.append(f"{row['student_id']:<{width}}  {row['score']:>6g} / {row['max_score']:<4g}  {row['status']}")
    failed = sum(r["status"].startswith("error") for r in rows)
    lines.append(f"{len(rows)} submissions, {len(rows) - failed} graded, {failed} could not be graded")
    return "\n".join(lines)
