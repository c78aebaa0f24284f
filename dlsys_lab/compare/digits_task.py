"""The week-1 comparison task: softmax regression or a one-hidden-layer MLP on 8x8 digits.

Every framework gets the same split, the same initial weights, the same batch order and the
same learning rate, so their losses must agree step by step up to float32 rounding.
"""
from __future__ import annotations

import gc
import hashlib
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np


@dataclass
class TrainingResult:
    """What one framework reached: test accuracy, and the epoch times, loss per step or step times it measured."""

    framework: str
    model: str
    accuracy: float
    epoch_seconds: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)
    interleaved: bool = True

    @property
    def median_epoch_seconds(self) -> float:
        """Median seconds per epoch."""
        return statistics.median(self.epoch_seconds)

    @property
    def median_step_seconds(self) -> float:
        """Median over timing rounds of the seconds per training step (the comparison table's time)."""
        return statistics.median(self.step_seconds)

    @property
    def step_iqr_seconds(self) -> float:
        """Interquartile range of the rounds' seconds per step: the spread beside the median."""
        q1, _, q3 = np.percentile(self.step_seconds, [25, 50, 75])
        return float(q3 - q1)

    def to_dict(self) -> dict:
        """A JSON-ready dict (used to pass results back from subprocesses)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainingResult":
        """The inverse of `to_dict`."""
        return cls(**data)


@dataclass
class StepTrainer:
    """One framework's training of a DigitsTask, cut into the pieces the comparison times and checks.

    prepare(x, y) turns a NumPy batch into the framework's own tensors (done once, outside the timing);
    step(batch) takes one SGD step on a prepared batch and returns when the update is done;
    loss(batch) is the mean cross-entropy of a prepared batch at the current weights, as a float;
    predict(x) gives the logits of NumPy inputs.
    """

    framework: str
    prepare: Callable[[np.ndarray, np.ndarray], object]
    step: Callable[[object], object]
    loss: Callable[[object], float]
    predict: Callable[[np.ndarray], object]


@dataclass
class DigitsTask:
    """Data, hyper-parameters, initial weights and batch order shared by every framework."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    hidden: int = 64
    epochs: int = 20
    batch_size: int = 32
    lr: float = 0.1
    seed: int = 0

    @classmethod
    def create(cls, hidden: int = 64, epochs: int = 20, seed: int = 0, **overrides) -> "DigitsTask":
        """Load scikit-learn's bundled digits (no download), scale to [0, 1], split 80/20 stratified."""
        from sklearn.model_selection import train_test_split

        from dlsys_lab.data import digit_images

        x, y = digit_images()
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.2, random_state=seed, stratify=y)
        return cls(x_train, y_train, x_test, y_test, hidden=hidden, epochs=epochs, seed=seed, **overrides)

    @property
    def model_name(self) -> str:
        """'softmax regression' when hidden == 0, else 'MLP 64-H-10'."""
        return "softmax regression" if self.hidden == 0 else f"MLP 64-{self.hidden}-10"

    @property
    def layer_sizes(self) -> list[int]:
        """Widths from input to output: [64, 10] or [64, hidden, 10]."""
        inner = [self.hidden] if self.hidden else []
        return [self.x_train.shape[1], *inner, 10]

    def initial_params(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...] in float32, W of shape (fan_in, fan_out), He-normal, zero biases."""
        rng = np.random.default_rng(self.seed)
        params = []
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            params.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)).astype(np.float32))
            params.append(np.zeros(fan_out, dtype=np.float32))
        return params

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The permutation of training rows used in `epoch` (the same for every framework)."""
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.x_train))

    def batches(self, epoch: int):
        """The (x, y) minibatches of `epoch` in order; the last one may be smaller."""
        order = self.epoch_order(epoch)
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            yield self.x_train[rows], self.y_train[rows]

    def fingerprint(self) -> str:
        """A hash of the test set, initial weights and first epoch's order: equal hashes, equal setups."""
        digest = hashlib.sha256()
        for array in (self.x_test, self.y_test, *self.initial_params(), self.epoch_order(0)):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    def accuracy(self, logits) -> float:
        """Share of test rows whose largest logit is the true class."""
        return float(np.mean(np.argmax(np.asarray(logits), axis=1) == self.y_test))

    def timing_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch every framework times its step on: the first full batch of epoch 0."""
        return next(self.batches(0))

    def trajectory(self, trainer: StepTrainer) -> TrainingResult:
        """Train every epoch's batches in order, recording the loss of each batch just before its step."""
        losses = []
        for epoch in range(self.epochs):
            for x, y in self.batches(epoch):
                batch = trainer.prepare(x, y)
                losses.append(float(trainer.loss(batch)))
                trainer.step(batch)
        return TrainingResult(trainer.framework, self.model_name, self.accuracy(trainer.predict(self.x_test)),
                              losses=losses)

    def run(self, framework: str, train_epoch: Callable[[int], object],
            predict: Callable[[np.ndarray], object]) -> TrainingResult:
        """Time `train_epoch(epoch)` for each epoch, then score `predict(x_test)`."""
        seconds = []
        for epoch in range(self.epochs):
            start = time.perf_counter()
            train_epoch(epoch)
            seconds.append(time.perf_counter() - start)
        return TrainingResult(framework, self.model_name, self.accuracy(predict(self.x_test)), seconds)


def results_agree(results: Sequence[TrainingResult], tolerance: float = 0.02) -> bool:
    """True when all accuracies lie within `tolerance` of each other (same data, init, order)."""
    accuracies = [r.accuracy for r in results]
    return max(accuracies) - min(accuracies) <= tolerance


def trajectory_gap(result: TrainingResult, reference: TrainingResult) -> float:
    """Largest |loss - reference loss| over the steps of two trajectories of the same task (inf if lengths differ)."""
    if len(result.losses) != len(reference.losses) or not result.losses:
        return float("inf")
    return float(np.max(np.abs(np.asarray(result.losses) - np.asarray(reference.losses))))


def step_timer(trainer: StepTrainer, batch: tuple[np.ndarray, np.ndarray], number: int) -> Callable[[], float]:
    """A function that runs `number` steps on one prepared batch and returns seconds per step (GC paused)."""
    prepared = trainer.prepare(*batch)

    def seconds_per_step() -> float:
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(number):
                trainer.step(prepared)
            return (time.perf_counter() - start) / number
        finally:
            gc.enable()

    return seconds_per_step


def time_interleaved(timers: dict, rounds: int, warmup: int = 1) -> dict:
    """Call every timer once per round, rotating who goes first, after `warmup` untimed rounds.

    A shared machine's load drifts; interleaving makes the drift touch every framework alike. The objects alive
    before timing are frozen out of the garbage collector (a full collection with TensorFlow, JAX and torch loaded
    takes most of a second), and each round starts with a collection of what the steps left behind.
    Returns {key: [seconds per step of each round]}.
    """
    keys, samples = list(timers), {key: [] for key in timers}
    gc.collect()
    gc.freeze()
    try:
        for r in range(warmup + rounds):
            gc.collect()
            for key in keys[r % len(keys):] + keys[:r % len(keys)]:
                seconds = timers[key]()
                if r >= warmup:
                    samples[key].append(seconds)
    finally:
        gc.unfreeze()
    return samples
