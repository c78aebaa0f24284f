"""Experiment tracking in MLflow with a local SQLite backend (no server, no telemetry): params, metrics, artifacts.

View the runs with `mlflow ui --backend-store-uri sqlite:///mlruns.db` (then http://127.0.0.1:5000).
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from ..logs import quiet


def artifact_location(tracking_uri: str) -> str | None:
    """Artifacts next to a SQLite database (its folder's mlartifacts/), not in the current directory."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    return (Path(tracking_uri[len("sqlite:///"):]).resolve().parent / "mlartifacts").as_uri()


def log_run(tracking_uri: str, experiment: str, params: dict, metrics: dict, texts: dict | None = None) -> str:
    """Log one run (params, metrics, text artifacts by file name) and return its run id."""
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_ENABLE_TELEMETRY", "false")
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    with quiet("mlflow.store.db.utils", level=logging.WARNING):  # its INFO lines on creating the SQLite tables
        if mlflow.get_experiment_by_name(experiment) is None:
            mlflow.create_experiment(experiment, artifact_location=artifact_location(tracking_uri))
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        with tempfile.TemporaryDirectory() as folder:
            for name, text in (texts or {}).items():
                (Path(folder) / name).write_text(text)
                mlflow.log_artifact(str(Path(folder) / name))
        return run.info.run_id
