"""The week-10 experiment as a workflow: data preparation -> K trainings -> evaluation -> ensemble -> report.

Every task is a plain function of its inputs' values, importable by Dask workers in other processes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .engine import Workflow


def prepare(seed: int = 0, validation: int = 360) -> dict:
    """Digits split into train / validation (from dl.data.digits' training split) / test, as NumPy arrays."""
    from dlsys_lab.uq.shift import digits_arrays

    x, y, x_test, y_test = digits_arrays()
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:validation], order[validation:]
    return {"x_train": x[train], "y_train": y[train], "x_val": x[val], "y_val": y[val],
            "x_test": x_test, "y_test": y_test}


def make_member(width: int):
    """64 -> width -> 10 with a ReLU: one ensemble member."""
    from dlsys_lab import nn

    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))


def train(data: dict, seed: int, epochs: int, width: int, fail_once: str | None = None) -> dict:
    """Train one member from seed; returns its state_dict. With fail_once (a file path), fail on the first attempt."""
    if fail_once is not None and not Path(fail_once).exists():
        Path(fail_once).write_text("failed once\n")
        raise RuntimeError(f"injected failure of member {seed} (the retry will succeed)")
    from dlsys_lab import nn
    from dlsys_lab.uq.fit import fit

    nn.init.manual_seed(seed)
    return fit(make_member(width), data["x_train"], data["y_train"], epochs, lr=1e-2, seed=seed).state_dict()


def evaluate(data: dict, *states: dict, width: int) -> dict:
    """Each member's logits on validation and test."""
    from dlsys_lab.uq.fit import predict_logits

    logits = {"val": [], "test": []}
    for state in states:
        model = make_member(width)
        model.load_state_dict(state)
        for split in logits:
            logits[split].append(predict_logits(model, data[f"x_{split}"]))
    return {"val": np.stack(logits["val"]), "test": np.stack(logits["test"]),
            "y_val": data["y_val"], "y_test": data["y_test"]}


def ensemble(evaluation: dict) -> dict:
    """Members against their ensemble on test, and the ensemble's temperature fitted on validation."""
    from dlsys_lab import uq

    members = [uq.softmax(z) for z in evaluation["test"]]
    y_test = evaluation["y_test"]
    mean = np.mean(members, axis=0)
    mean_val_logits = np.log(np.mean([uq.softmax(z) for z in evaluation["val"]], axis=0))
    temperature = uq.temperature_scale(mean_val_logits, evaluation["y_val"])
    scaled = uq.softmax(np.log(mean), temperature)
    return {"member_accuracy": [uq.accuracy(p, y_test) for p in members],
            "member_nll": [uq.nll(p, y_test) for p in members],
            "ensemble_accuracy": uq.accuracy(mean, y_test), "ensemble_nll": uq.nll(mean, y_test),
            "disagreement": uq.disagreement(members), "ece": uq.ece(mean, y_test),
            "temperature": temperature, "ece_scaled": uq.ece(scaled, y_test)}


def report(metrics: dict, params: dict, tracking_uri: str | None = None) -> str:
    """A text summary; with tracking_uri, also an MLflow run with the params, metrics and the summary as artifact."""
    lines = [f"members: accuracy {np.round(metrics['member_accuracy'], 4).tolist()}",
             f"ensemble: accuracy {metrics['ensemble_accuracy']:.4f}, NLL {metrics['ensemble_nll']:.4f} "
             f"(members' mean NLL {np.mean(metrics['member_nll']):.4f}), disagreement {metrics['disagreement']:.4f}",
             f"ECE {metrics['ece']:.4f} -> {metrics['ece_scaled']:.4f} at T = {metrics['temperature']:.3f}"]
    text = "\n".join(lines)
    if tracking_uri is not None:
        from .tracking import log_run

        scalars = {k: v for k, v in metrics.items() if np.isscalar(v)}
        scalars.update({f"member_{i}_accuracy": a for i, a in enumerate(metrics["member_accuracy"])})
        log_run(tracking_uri, "week10-ensemble", params, scalars, {"report.txt": text})
    return text


def build(cache_dir, members: int = 4, epochs: int = 10, width: int = 64, fail_once: str | None = None,
          tracking_uri: str | None = None, seed: int = 0) -> Workflow:
    """The experiment's Workflow; fail_once makes member 1's first attempt fail (it is retried once)."""
    flow = Workflow(cache_dir)
    flow.add("prepare", prepare, seed=seed)
    trained = [flow.add(f"train_{k}", train, "prepare", retries=1, seed=seed + k, epochs=epochs, width=width,
                        fail_once=fail_once if k == 1 else None) for k in range(members)]
    flow.add("evaluate", evaluate, "prepare", *trained, width=width)
    flow.add("ensemble", ensemble, "evaluate")
    flow.add("report", report, "ensemble", tracking_uri=tracking_uri,
             params={"members": members, "epochs": epochs, "width": width, "seed": seed})
    return flow
