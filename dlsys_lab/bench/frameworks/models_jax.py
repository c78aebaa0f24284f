"""The three models as pure JAX functions over a parameter dict, trained by a jax.jit-compiled SGD step."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from dlsys_lab.bench.frameworks.spec import LR, cnn_flat_features


def _linear(rng, fan_in, fan_out):
    bound = 1 / math.sqrt(fan_in)
    return {"w": jnp.asarray(rng.uniform(-bound, bound, (fan_in, fan_out)), jnp.float32),
            "b": jnp.zeros(fan_out, jnp.float32)}


def init(model, s):
    """Parameters of `model` at sizes `s` (uniform like torch's Linear)."""
    rng = np.random.default_rng(0)
    if model == "mlp":
        return [_linear(rng, s["features"], s["hidden"]), _linear(rng, s["hidden"], s["hidden"]),
                _linear(rng, s["hidden"], s["classes"])]
    if model == "cnn":
        bound = 1 / 3.0
        return {"conv_w": jnp.asarray(rng.uniform(-bound, bound, (s["channels"], 1, 3, 3)), jnp.float32),
                "conv_b": jnp.zeros(s["channels"], jnp.float32), "head": _linear(rng, cnn_flat_features(s), s["classes"])}
    d = s["dim"]
    names = ("q", "k", "v", "proj")
    params = {n: _linear(rng, d, d) for n in names}
    params.update(ff1=_linear(rng, d, s["ff"]), ff2=_linear(rng, s["ff"], d), head=_linear(rng, d, s["classes"]),
                  ln1={"g": jnp.ones(d), "b": jnp.zeros(d)}, ln2={"g": jnp.ones(d), "b": jnp.zeros(d)})
    return params


def _dense(p, x):
    return x @ p["w"] + p["b"]


def _layer_norm(p, x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * p["g"] + p["b"]


def forward(model, params, x):
    """Logits of `model` for inputs x."""
    if model == "mlp":
        for p in params[:-1]:
            x = jax.nn.relu(_dense(p, x))
        return _dense(params[-1], x)
    if model == "cnn":
        y = jax.lax.conv_general_dilated(x, params["conv_w"], (1, 1), "SAME",
                                         dimension_numbers=("NCHW", "OIHW", "NCHW"))
        y = jax.nn.relu(y + params["conv_b"][None, :, None, None])
        n, c, h, w = y.shape
        y = y.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
        return _dense(params["head"], y.reshape(n, -1))
    h = _layer_norm(params["ln1"], x)
    q, k, v = (_dense(params[n], h) for n in ("q", "k", "v"))
    att = jax.nn.softmax(q @ jnp.swapaxes(k, 1, 2) / math.sqrt(q.shape[-1]), axis=-1) @ v
    x = x + _dense(params["proj"], att)
    x = x + _dense(params["ff2"], jax.nn.relu(_dense(params["ff1"], _layer_norm(params["ln2"], x))))
    return _dense(params["head"], x.mean(axis=1))


def build(mode, model, s, data):
    """A function step(i) training one jit-compiled SGD step on batch i; the result is blocked until ready."""
    def loss_fn(params, x, y):
        logits = forward(model, params, x)
        return -jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1).mean()

    @jax.jit
    def train(params, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), loss

    state = {"params": init(model, s)}
    batches = [(jnp.asarray(x), jnp.asarray(y.astype(np.int32))) for x, y in data]

    def step(i):
        state["params"], loss = train(state["params"], *batches[i % len(batches)])
        return jax.block_until_ready(loss)
    return step
