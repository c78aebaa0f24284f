"""Week 10: the experiment as a workflow on an existing engine (Dask distributed), tracked in MLflow.

Workflow adds named tasks with retries and a content-keyed cache; experiment builds the week's pipeline.
"""
from .engine import RunReport, Task, Workflow

__all__ = ["Workflow", "Task", "RunReport"]
