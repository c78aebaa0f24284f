"""dlsys_lab.compare: the shared digits task, the table, the line counter and the Keras runner.

Keras itself runs (and must agree with the other frameworks) in labs/01_frameworks.ipynb, see test_week01_02.py.
"""
import numpy as np
import pytest
import torch

from dlsys_lab.compare.digits_task import (DigitsTask, StepTrainer, TrainingResult, results_agree, step_timer,
                                          time_interleaved, trajectory_gap)
from dlsys_lab.compare.keras_backends import KerasWorker
from dlsys_lab.compare.loc import count_loc
from dlsys_lab.compare.table import SideBySideTable


def sample_function(x):
    """A docstring that does not count."""
    # a comment that does not count

    y = (x +
         1)
    return y


def test_count_loc_skips_blank_comment_and_docstring_lines():
    assert count_loc(sample_function) == 4  # def, the two lines of y = (...), return
    assert count_loc("a = 1\n\n# note\nb = 2\n") == 2


def test_table_aligns_columns_and_leaves_missing_cells_blank():
    table = SideBySideTable([{"framework": "a", "accuracy": 0.91234}, {"framework": "b", "seconds": 2}])
    assert table.columns == ["framework", "accuracy", "seconds"]
    assert table.cells() == [["a", "0.9123", ""], ["b", "", "2"]]
    assert table.to_markdown().splitlines()[0] == "| framework | accuracy | seconds |"
    assert "<td>0.9123</td>" in table._repr_html_()


def test_task_split_init_and_batches_are_reproducible():
    task, again = DigitsTask.create(hidden=16), DigitsTask.create(hidden=16)
    np.testing.assert_array_equal(task.x_test, again.x_test)
    assert len(task.x_train) + len(task.x_test) == 1797
    assert np.bincount(task.y_test).min() >= 35  # stratified: every digit is tested
    shapes = [p.shape for p in task.initial_params()]
    assert shapes == [(64, 16), (16,), (16, 10), (10,)]
    rows = np.concatenate([task.epoch_order(3)[i:i + 32] for i in range(0, len(task.x_train), 32)])
    assert sorted(rows) == list(range(len(task.x_train)))
    assert not np.array_equal(task.epoch_order(0), task.epoch_order(1))
    assert sum(len(x) for x, _ in task.batches(0)) == len(task.x_train)
    assert task.fingerprint() == again.fingerprint() != DigitsTask.create(hidden=8).fingerprint()


def train_numpy(task):
    """Reference: the task's model in NumPy with hand-written gradients."""
    params = task.initial_params()

    def forward(x):
        acts = [x]
        for i in range(0, len(params), 2):
            z = acts[-1] @ params[i] + params[i + 1]
            acts.append(np.maximum(z, 0) if i + 2 < len(params) else z)
        return acts

    def train_epoch(epoch):
        for x, y in task.batches(epoch):
            acts = forward(x)
            p = np.exp(acts[-1] - acts[-1].max(1, keepdims=True))
            grad = (p / p.sum(1, keepdims=True) - np.eye(10)[y]) / len(x)
            for i in range(len(params) - 2, -1, -2):
                grad_w, grad_b = acts[i // 2].T @ grad, grad.sum(0)
                grad = (grad @ params[i].T) * (acts[i // 2] > 0)
                params[i] -= task.lr * grad_w
                params[i + 1] -= task.lr * grad_b

    return task.run("NumPy", train_epoch, lambda x: forward(x)[-1])


def train_torch(task):
    """Oracle: the same model and schedule in torch."""
    w = [torch.tensor(p, requires_grad=True) for p in task.initial_params()]

    def forward(x):
        h = torch.as_tensor(x)
        for i in range(0, len(w), 2):
            h = h @ w[i] + w[i + 1]
            h = torch.relu(h) if i + 2 < len(w) else h
        return h

    def train_epoch(epoch):
        for x, y in task.batches(epoch):
            torch.nn.functional.cross_entropy(forward(x), torch.as_tensor(y)).backward()
            with torch.no_grad():
                for p in w:
                    p -= task.lr * p.grad
                    p.grad = None

    return task.run("PyTorch", train_epoch, lambda x: forward(x).detach().numpy())


@pytest.mark.parametrize("hidden", [0, 32])
def test_same_task_gives_the_same_accuracy_in_numpy_and_torch(hidden):
    task = DigitsTask.create(hidden=hidden, epochs=3)
    ours, oracle = train_numpy(task), train_torch(task)
    assert abs(ours.accuracy - oracle.accuracy) <= 1 / len(task.y_test)
    assert oracle.accuracy > 0.8
    assert len(ours.epoch_seconds) == 3 and ours.median_epoch_seconds > 0
    assert results_agree([ours, oracle]) and not results_agree(
        [ours, TrainingResult("x", "y", ours.accuracy - 0.1)])


def test_training_result_round_trips_through_a_dict():
    result = TrainingResult("a", "b", 0.5, [1.0, 3.0, 2.0])
    assert TrainingResult.from_dict(result.to_dict()) == result
    assert result.median_epoch_seconds == 2.0


def test_unknown_keras_backend_names_the_choices():
    with pytest.raises(ValueError, match="tensorflow"):
        KerasWorker("theano")


def sgd_trainer(task, name="NumPy", lr_scale=1.0):
    """A StepTrainer for softmax regression by hand; lr_scale != 1 makes a deliberately different one."""
    w, b = task.initial_params()

    def logits(x):
        return x @ w + b

    def loss(batch):
        x, y = batch
        z = logits(x)
        z = z - z.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y]))

    def step(batch):
        nonlocal w, b
        x, y = batch
        p = np.exp(logits(x) - logits(x).max(1, keepdims=True))
        grad = (p / p.sum(1, keepdims=True) - np.eye(10)[y]) / len(x)
        w, b = w - task.lr * lr_scale * x.T @ grad, b - task.lr * lr_scale * grad.sum(0)

    return StepTrainer(name, lambda x, y: (x, y), step, loss, logits)


def test_trajectory_records_one_loss_per_step_and_the_gap_finds_a_different_update():
    task = DigitsTask.create(hidden=0, epochs=2)
    ours, again = task.trajectory(sgd_trainer(task)), task.trajectory(sgd_trainer(task, "again"))
    assert len(ours.losses) == 2 * -(-len(task.x_train) // task.batch_size)
    assert ours.losses[0] == pytest.approx(np.log(10), abs=0.5) and ours.losses[-1] < ours.losses[0]
    assert trajectory_gap(again, ours) == 0.0 and ours.accuracy > 0.7
    off = task.trajectory(sgd_trainer(task, "off", lr_scale=1.01))  # a 1% wrong learning rate
    assert trajectory_gap(off, ours) > 1e-3  # is caught by the notebook's tolerance
    assert trajectory_gap(TrainingResult("short", ours.model, 0.0, losses=ours.losses[:-1]), ours) == float("inf")
    oracle = train_torch(DigitsTask.create(hidden=0, epochs=2))
    assert abs(oracle.accuracy - ours.accuracy) <= 1 / len(task.y_test)


def test_interleaved_rounds_rotate_and_time_every_step():
    calls = []

    def timer(name):
        def seconds():
            calls.append(name)
            return float(len(calls))
        return seconds

    samples = time_interleaved({"a": timer("a"), "b": timer("b"), "c": timer("c")}, rounds=3, warmup=1)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    assert samples == {"a": [6.0, 8.0, 10.0], "b": [4.0, 9.0, 11.0], "c": [5.0, 7.0, 12.0]}  # call numbers
    task = DigitsTask.create(hidden=0, epochs=1)
    steps = []
    trainer = sgd_trainer(task)
    counted = StepTrainer("counted", trainer.prepare, lambda batch: steps.append(len(batch[0])), trainer.loss,
                          trainer.predict)
    assert step_timer(counted, task.timing_batch(), number=7)() > 0 and steps == [32] * 7
    result = TrainingResult("a", "b", 1.0, step_seconds=[1.0, 2.0, 3.0, 4.0, 100.0])
    assert result.median_step_seconds == 3.0 and result.step_iqr_seconds == 2.0
