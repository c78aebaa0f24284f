"""The three models in dlsys_lab (numpy or cpu device); the Transformer block is built from dl ops."""
from __future__ import annotations

import math

import dlsys_lab as dl
from dlsys_lab import nn, ops, optim
from dlsys_lab.bench.frameworks.spec import LR, cnn_flat_features


class Block(nn.Module):
    """One pre-norm Transformer block from dl ops, mean-pooled, then a linear classifier."""

    def __init__(self, s, device):
        super().__init__()
        d, ff = s["dim"], s["ff"]
        self.ln1, self.ln2 = nn.LayerNorm(d, device=device), nn.LayerNorm(d, device=device)
        self.q, self.k, self.v, self.proj = (nn.Linear(d, d, device=device) for _ in range(4))
        self.ff1, self.ff2 = nn.Linear(d, ff, device=device), nn.Linear(ff, d, device=device)
        self.head = nn.Linear(d, s["classes"], device=device)

    def forward(self, x):
        h = self.ln1(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        att = ops.softmax((q @ k.transpose((0, 2, 1))) * (1.0 / math.sqrt(q.shape[-1])), axis=-1) @ v
        x = x + self.proj(att)
        x = x + self.ff2(self.ff1(self.ln2(x)).relu())
        return self.head(x.mean(axes=1))


def make_model(model, s, device):
    """The dlsys_lab module of `model` at sizes `s` on `device`."""
    nn.init.manual_seed(0)
    if model == "mlp":
        return nn.Sequential(nn.Linear(s["features"], s["hidden"], device=device), nn.ReLU(),
                             nn.Linear(s["hidden"], s["hidden"], device=device), nn.ReLU(),
                             nn.Linear(s["hidden"], s["classes"], device=device))
    if model == "cnn":
        return nn.Sequential(nn.Conv2d(1, s["channels"], 3, padding=1, device=device), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(cnn_flat_features(s), s["classes"], device=device))
    return Block(s, device)


def build(mode, model, s, data):
    """A function step(i) training one step on batch i; mode is the device ("numpy" or "cpu")."""
    if not dl.device(mode).available():
        raise RuntimeError(f"dlsys_lab device {mode}: {dl.device(mode).status()}")
    net = make_model(model, s, mode)
    opt = optim.SGD(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(dl.Tensor(x, device=mode, requires_grad=False), dl.Tensor(y, device=mode, requires_grad=False))
               for x, y in data]

    def step(i):
        x, y = batches[i % len(batches)]
        return opt.minimize(loss_fn(net(x), y))
    return step
