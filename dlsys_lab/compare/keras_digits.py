"""The digits task in Keras 3; the backend (tensorflow, jax, torch) is fixed before import.

Run it through `keras_backends.run_with_backend`, which starts a fresh process per backend.
"""
from __future__ import annotations

import time

from dlsys_lab.compare.digits_task import DigitsTask, TrainingResult


def train_keras(task: DigitsTask) -> TrainingResult:
    """Train the task's model with keras.Sequential and plain SGD; time each epoch's batches."""
    import keras

    layers = [keras.Input(shape=(task.x_train.shape[1],))]
    if task.hidden:
        layers.append(keras.layers.Dense(task.hidden, activation="relu"))
    layers.append(keras.layers.Dense(10))
    model = keras.Sequential(layers)
    model.set_weights(task.initial_params())
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=task.lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    seconds = []
    for epoch in range(task.epochs):
        order = task.epoch_order(epoch)
        model.fit(task.x_train[order], task.y_train[order], batch_size=task.batch_size,
                  epochs=1, shuffle=False, verbose=0, callbacks=[EpochTimer()])
    logits = model.predict(task.x_test, verbose=0)
    return TrainingResult(f"Keras 3 ({keras.backend.backend()})", task.model_name,
                          task.accuracy(logits), seconds)
