"""The digits task in Keras 3; the backend (tensorflow, jax, torch) is fixed before import.

Run it through `keras_backends.KerasWorker`, which keeps one fresh process per backend.
"""
from __future__ import annotations

from dlsys_lab.compare.digits_task import DigitsTask, StepTrainer


def keras_trainer(task: DigitsTask) -> StepTrainer:
    """The task's model as keras.Sequential with plain SGD; one step is one (compiled) train_on_batch."""
    import keras

    layers = [keras.Input(shape=(task.x_train.shape[1],))]
    if task.hidden:
        layers.append(keras.layers.Dense(task.hidden, activation="relu"))
    layers.append(keras.layers.Dense(10))
    model = keras.Sequential(layers)
    model.set_weights(task.initial_params())
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=task.lr), loss=loss_fn)

    def prepare(x, y):
        return keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)

    def loss(batch):
        x, y = batch
        return float(keras.ops.convert_to_numpy(loss_fn(y, model(x))))

    return StepTrainer(f"Keras 3 ({keras.backend.backend()})", prepare, lambda batch: model.train_on_batch(*batch),
                       loss, lambda x: keras.ops.convert_to_numpy(model(x)))
