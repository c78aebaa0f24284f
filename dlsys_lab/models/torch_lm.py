"""The torch twin of TransformerLM: the same layers under the same names, so state_dicts move both ways."""
from __future__ import annotations

import numpy as np
import torch

from .transformer_lm import sample


class TorchTransformerLM(torch.nn.Module):
    """torch's version of dlsys_lab.models.TransformerLM (batch-first, pre-norm, ReLU, causal)."""

    def __init__(self, vocab_size: int, d_model: int = 64, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 256, max_len: int = 128, dropout: float = 0.0):
        super().__init__()
        self.max_len = max_len
        self.tok_emb = torch.nn.Embedding(vocab_size, d_model)
        self.pos_emb = torch.nn.Embedding(max_len, d_model)
        self.layers = torch.nn.ModuleList(
            torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True,
                                             norm_first=True) for _ in range(num_layers))
        self.norm = torch.nn.LayerNorm(d_model)
        self.head = torch.nn.Linear(d_model, vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        t = tokens.shape[1]
        x = self.tok_emb(tokens) + self.pos_emb.weight[:t]
        mask = torch.nn.Transformer.generate_square_subsequent_mask(t, dtype=x.dtype)
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))


def torch_lm_loss(model, inputs, targets) -> torch.Tensor:
    """Mean next-token cross-entropy, as lm_loss."""
    logits = model(torch.from_numpy(np.asarray(inputs)))
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             torch.from_numpy(np.asarray(targets)).reshape(-1))


def train_torch_lm(model, corpus, steps: int, optimizer, batch_size: int = 32, block_size: int = 64,
                   seed: int = 0) -> list[float]:
    """train_lm's loop in torch: the same batches for the same seed (or Generator); the loss of each step."""
    rng, losses = np.random.default_rng(seed), []
    model.train()
    for _ in range(steps):
        loss = torch_lm_loss(model, *corpus.batch("train", batch_size, block_size, rng))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def generate_torch(model: TorchTransformerLM, prompt, max_new_tokens: int, temperature: float = 0.0,
                   seed: int = 0) -> np.ndarray:
    """generate()'s sampling with the torch model (no cache: each step reruns the last max_len tokens)."""
    model.eval()

    def next_logits(tokens, new):
        return model(torch.from_numpy(tokens[:, -model.max_len:]))[:, -1].double().numpy()

    with torch.no_grad():
        return sample(next_logits, prompt, max_new_tokens, temperature, seed)
