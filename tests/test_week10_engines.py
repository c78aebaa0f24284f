"""Week 10 past one process: an Optuna study shared by two processes through SQLite, and the workflow on Dask."""
from pathlib import Path

import pytest

from dlsys_lab.hpo.rdb import run_shared_study
from dlsys_lab.workflow import Workflow

pytestmark = pytest.mark.slow


def test_optuna_sqlite_study_with_two_processes_holds_exactly_the_trials_requested(tmp_path):
    import optuna

    study = run_shared_study(f"sqlite:///{tmp_path / 'study.db'}", "week10", n_trials=13, workers=2)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 13
    assert sorted(t.number for t in trials) == list(range(13))  # nothing lost, nothing duplicated
    assert len({t._trial_id for t in trials}) == 13
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 13


def count_call(log: Path, name: str) -> None:
    with open(log, "a") as f:
        f.write(name + "\n")


def source(log, value):
    count_call(log, "source")
    return value


def flaky_double(x, log, marker):
    count_call(log, "flaky")
    if not Path(marker).exists():
        Path(marker).write_text("failed\n")
        raise RuntimeError("first attempt fails")
    return 2 * x


def add(a, b, log):
    count_call(log, "add")
    return a + b


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


def small_flow(tmp_path, value=3):
    log, marker = tmp_path / "calls.log", tmp_path / "failed-once"
    flow = Workflow(tmp_path / "cache")
    flow.add("source", source, log=str(log), value=value)
    flow.add("double", flaky_double, "source", retries=1, log=str(log), marker=str(marker))
    flow.add("sum", add, "source", "double", log=str(log))
    return flow, log


def test_workflow_retries_a_failed_task_and_reruns_nothing_finished(tmp_path, client, capfd):
    flow, log = small_flow(tmp_path)
    report = flow.run(client)
    assert report.values == {"source": 3, "double": 6, "sum": 9} and report.cached == []
    assert report.failures == ["double: RuntimeError('first attempt fails')"]  # in the report, not on stderr:
    assert "Compute Failed" not in capfd.readouterr().err  # a handled failure is no alarm in a notebook
    assert sorted(log.read_text().split()) == ["add", "flaky", "flaky", "source"]  # flaky ran twice: one retry
    again = small_flow(tmp_path)[0].run(client)
    assert again.values == report.values and again.executed == [] and sorted(again.cached) == ["double", "source", "sum"]
    assert again.failures == []
    assert sorted(log.read_text().split()) == ["add", "flaky", "flaky", "source"]  # nothing ran again
    changed = small_flow(tmp_path, value=4)[0].run(client)  # a new input reruns it and what depends on it
    assert changed.values["sum"] == 12 and changed.executed == ["source", "double", "sum"]


def test_workflow_without_retries_reports_the_failure(tmp_path, client):
    flow = Workflow(tmp_path / "cache")
    flow.add("double", flaky_double, retries=0, x=1, log=str(tmp_path / "log"), marker=str(tmp_path / "m"))
    with pytest.raises(RuntimeError, match="first attempt fails"):
        flow.run(client)
    with pytest.raises(ValueError, match="not in the workflow"):
        flow.add("later", add, "missing")


def test_workflow_graph_is_drawn(tmp_path, client):
    import matplotlib

    matplotlib.use("Agg")
    flow, _ = small_flow(tmp_path)
    ax = flow.draw(report=flow.run(client))
    assert sorted(t.get_text() for t in ax.texts if t.get_text()) == ["double", "source", "sum"]
    assert sum(type(t).__name__ == "Annotation" for t in ax.texts) == 3  # source->double, source->sum, double->sum
