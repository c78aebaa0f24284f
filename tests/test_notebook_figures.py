"""Figures in the course notebooks' markdown come from their results files (dlsys_lab.bench.figures).

The course check fails until each notebook's full run on a quiet machine has written its file and `fill` has copied
its figures into the markdown: `python -m dlsys_lab.bench.figures run` does both.
"""
import json
from pathlib import Path

import nbformat
import pytest

from dlsys_lab.bench import figures
from dlsys_lab.notebooks import execute_notebook

ROOT = Path(__file__).resolve().parents[1]


def write_notebook(folder: Path, *markdown: str, name="demo") -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text) for text in markdown])
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def full_run(folder: Path, monkeypatch, load=0.2, **recorded) -> Path:
    """Save figures as a full run in `folder` would, at the given load average."""
    monkeypatch.setenv("DLSYS_FAST", "0")
    monkeypatch.setattr(figures.os, "getloadavg", lambda: (load, load, load))
    run = figures.Figures("demo", folder)
    for key, kwargs in recorded.items():
        run.record(key, **kwargs)
    return run.save()


def test_call_timer_calls_number_times_per_sample_and_syncs_the_last_result():
    from dlsys_lab.bench import call_timer

    calls, synced = [], []
    timer = call_timer(lambda: calls.append(1) or len(calls), number=3, sync=synced.append)
    assert timer() >= 0 and timer() >= 0
    assert len(calls) == 6 and synced == [3, 6]


def test_record_keeps_median_and_iqr_and_formats_them():
    entry = figures.Figures("demo").record("step", samples=[1e-3, 2e-3, 3e-3, 4e-3, 100e-3], fmt="{:.1f} ms",
                                           scale=1e3)
    assert entry["value"] == 3e-3 and entry["n"] == 5
    assert figures.figure_text(entry) == "3.0 ms" and figures.figure_text(entry, "iqr") == "2.0 ms"
    assert figures.figure_text(figures.Figures("demo").record("acc", 0.9312, fmt="{:.1%}")) == "93.1%"


@pytest.mark.parametrize("bad", [dict(key="a b", value=1), dict(key="a"), dict(key="a", value=1, samples=[1]),
                                 dict(key="a", samples=[])])
def test_record_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        figures.Figures("demo").record(**bad)


def test_a_fast_run_never_writes_beside_the_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("DLSYS_FAST", "1")
    monkeypatch.setenv("DLSYS_FIGURES_DIR", str(tmp_path / "scratch"))
    run = figures.Figures("demo", tmp_path)
    run.record("x", 1.0)
    assert run.save() == tmp_path / "scratch" / "demo_results.json"
    assert not (tmp_path / "demo_results.json").exists()
    assert json.loads(run.path.read_text())["machine"]["fast mode"] is True


def test_fill_then_check_agree_and_check_catches_a_changed_span(tmp_path, monkeypatch):
    full_run(tmp_path, monkeypatch, step=dict(samples=[0.010, 0.012, 0.011], fmt="{:.1f} ms", scale=1e3))
    notebook = write_notebook(tmp_path, "| framework | step |\n|---|---|\n| torch | <!--fig step-->?<!--/fig--> "
                              "(IQR <!--fig step iqr-->?<!--/fig-->) |\n\nFrom <!--fig @source-->?<!--/fig-->.")
    assert figures.check([notebook]) != []
    assert figures.fill(notebook) == 3
    assert figures.check([notebook]) == []
    text = nbformat.read(notebook, as_version=4).cells[0].source
    assert "<!--fig step-->11.0 ms<!--/fig-->" in text and "<!--fig step iqr-->1.0 ms<!--/fig-->" in text
    assert "`demo_results.json`" in text and "load average 0.20 at the start" in text
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("11.0 ms", "9.1 ms")
    nbformat.write(nb, notebook)
    assert any("shows '9.1 ms', its file says '11.0 ms'" in p for p in figures.check([notebook]))


def test_check_names_a_missing_file_and_a_missing_key(tmp_path, monkeypatch):
    notebook = write_notebook(tmp_path, "took <!--fig absent-->1<!--/fig-->")
    assert any("demo_results.json is missing" in p for p in figures.check([notebook]))
    full_run(tmp_path, monkeypatch, present=dict(value=1.0))
    assert any("no figure 'absent'" in p for p in figures.check([notebook]))


def test_check_refuses_a_loaded_machine_and_a_fast_run(tmp_path, monkeypatch):
    notebook = write_notebook(tmp_path, "took <!--fig x-->2<!--/fig-->")
    full_run(tmp_path, monkeypatch, load=1.5, x=dict(value=2, fmt="{:.0f}"))
    assert any("load average 1.5" in p for p in figures.check([notebook]))
    data = json.loads((tmp_path / "demo_results.json").read_text())
    data["machine"]["load average"]["start"] = [0.3] * 3
    data["machine"]["fast mode"] = True
    (tmp_path / "demo_results.json").write_text(json.dumps(data))
    assert [p for p in figures.check([notebook])] == ["demo_results.json: written by a fast (test) run, not a full one"]


def test_check_flags_unmarked_figures_and_markers_that_start_a_line(tmp_path, monkeypatch):
    full_run(tmp_path, monkeypatch, x=dict(value=2, fmt="{:.0f}"))
    notebook = write_notebook(tmp_path, "a step took 3.6 ms, 11x slower, 40% of the time, in 82 s\n"
                              "<!--fig x-->2<!--/fig--> at line start; not flagged: `5 ms`, $3\\,s$, 8x8 digits")
    problems = figures.check([notebook])
    assert [p.split(": ")[1] for p in problems if "looks measured" in p] == [
        "'3.6 ms' looks measured but has no marker", "'11x' looks measured but has no marker",
        "'40%' looks measured but has no marker", "'82 s' looks measured but has no marker"]
    assert any("starts a line" in p for p in problems)


def test_allowed_phrases_are_skipped_and_stale_ones_reported(tmp_path, monkeypatch):
    notebook = write_notebook(tmp_path, "the model assumes 2 ms of backward per layer")
    monkeypatch.setattr(figures, "ALLOWED", {str(notebook): {"2 ms of backward": "a model parameter",
                                                              "gone 5 ms": "was here once"}})
    assert figures.check([notebook]) == [f"{notebook}: allowed phrase 'gone 5 ms' no longer occurs"]


def test_markers_can_cite_another_notebooks_file(tmp_path, monkeypatch):
    full_run(tmp_path, monkeypatch, x=dict(value=7, fmt="{:.0f} us"))
    notebook = write_notebook(tmp_path, "the lecture measured <!--fig demo:x-->7 us<!--/fig-->", name="other")
    assert figures.check([notebook]) == []


def test_the_course_notebooks_agree_with_their_results_files():
    """Fails until `python -m dlsys_lab.bench.figures run` has measured every notebook on a quiet machine."""
    problems = figures.check([ROOT / n for n in figures.NOTEBOOKS])
    assert problems == [], "\n".join(problems)


MARKED = [n for n in figures.NOTEBOOKS if "<!--fig " in (ROOT / n).read_text()]
# keys only a full run records: {notebook: (key prefixes, why)}
FULL_RUN_ONLY = {"labs/01_frameworks.ipynb": (("keras_3_tensorflow", "keras_3_torch"),
                                              "the fast run starts one Keras backend (JAX), the full run all three")}


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("notebook", MARKED)
def test_a_fast_run_records_every_key_its_markdown_cites(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("DLSYS_FIGURES_DIR", str(tmp_path))
    execute_notebook(ROOT / notebook)
    prefixes = FULL_RUN_ONLY.get(notebook, ((),))[0]
    missing = [m for m in figures.missing_keys(ROOT / notebook, tmp_path)
               if not any(f"<!--fig {prefix}" in m for prefix in prefixes)]
    assert missing == []
