"""The three models in Keras 3 (any backend): trained by train_on_batch, and on TensorFlow also by a
GradientTape step run eagerly and under tf.function."""
from __future__ import annotations

import math

import keras
from keras import layers, ops

from dlsys_lab.bench.frameworks.spec import LR


class Block(keras.Model):
    """One pre-norm Transformer block from keras.ops, mean-pooled, then a linear classifier."""

    def __init__(self, s):
        super().__init__()
        d = s["dim"]
        self.ln1, self.ln2 = layers.LayerNormalization(epsilon=1e-5), layers.LayerNormalization(epsilon=1e-5)
        self.q, self.k, self.v, self.proj = (layers.Dense(d) for _ in range(4))
        self.ff1, self.ff2, self.head = layers.Dense(s["ff"], activation="relu"), layers.Dense(d), layers.Dense(s["classes"])

    def call(self, x):
        h = self.ln1(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        att = ops.matmul(ops.softmax(ops.matmul(q, ops.transpose(k, (0, 2, 1))) / math.sqrt(q.shape[-1]), axis=-1), v)
        x = x + self.proj(att)
        x = x + self.ff2(self.ff1(self.ln2(x)))
        return self.head(ops.mean(x, axis=1))


def make_model(model, s):
    """The Keras model of `model` at sizes `s`, built on one batch shape (channels-first images)."""
    keras.utils.set_random_seed(0)
    if model == "mlp":
        net = keras.Sequential([layers.Dense(s["hidden"], activation="relu"), layers.Dense(s["hidden"], activation="relu"),
                                layers.Dense(s["classes"])])
    elif model == "cnn":
        net = keras.Sequential([layers.Conv2D(s["channels"], 3, padding="same", activation="relu",
                                              data_format="channels_first"),
                                layers.MaxPooling2D(2, data_format="channels_first"), layers.Flatten(),
                                layers.Dense(s["classes"])])
    else:
        net = Block(s)
    return net


def build(mode, model, s, data):
    """step(i) on batch i; mode "train_on_batch" (compiled by Keras), "tf_eager" or "tf_function" (TF backend)."""
    net = make_model(model, s)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = keras.optimizers.SGD(learning_rate=LR)
    net(data[0][0])  # create the weights
    if mode == "train_on_batch":
        net.compile(optimizer=opt, loss=loss_fn)
        return lambda i: net.train_on_batch(*data[i % len(data)])
    import tensorflow as tf

    batches = [(tf.constant(x), tf.constant(y)) for x, y in data]

    def train(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, net(x, training=True))
        grads = tape.gradient(loss, net.trainable_variables)
        opt.apply_gradients(zip(grads, net.trainable_variables))
        return loss

    fn = tf.function(train) if mode == "tf_function" else train
    return lambda i: fn(*batches[i % len(batches)]).numpy()
