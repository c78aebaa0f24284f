"""The three models in PyTorch, and training steps in eager mode and under torch.compile (inductor)."""
from __future__ import annotations

import math

import torch
from torch import nn

from dlsys_lab.bench.frameworks.spec import LR, cnn_flat_features


class Block(nn.Module):
    """One pre-norm Transformer block from basic ops, mean-pooled, then a linear classifier."""

    def __init__(self, s):
        super().__init__()
        d, ff = s["dim"], s["ff"]
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.proj = (nn.Linear(d, d) for _ in range(4))
        self.ff1, self.ff2, self.head = nn.Linear(d, ff), nn.Linear(ff, d), nn.Linear(d, s["classes"])

    def forward(self, x):
        h = self.ln1(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1) @ v
        x = x + self.proj(att)
        x = x + self.ff2(torch.relu(self.ff1(self.ln2(x))))
        return self.head(x.mean(dim=1))


def make_model(model, s):
    """The torch module of `model` at sizes `s`."""
    torch.manual_seed(0)
    if model == "mlp":
        return nn.Sequential(nn.Linear(s["features"], s["hidden"]), nn.ReLU(), nn.Linear(s["hidden"], s["hidden"]),
                             nn.ReLU(), nn.Linear(s["hidden"], s["classes"]))
    if model == "cnn":
        return nn.Sequential(nn.Conv2d(1, s["channels"], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(cnn_flat_features(s), s["classes"]))
    return Block(s)


def build(mode, model, s, data):
    """A function step(i) training one step on batch i; mode is "eager" or "compile"."""
    net = make_model(model, s)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]

    def train(x, y):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss

    fn = torch.compile(train) if mode == "compile" else train
    return lambda i: fn(*batches[i % len(batches)])
