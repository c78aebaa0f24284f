"""A small GPT-style character language model in dlsys_lab: token and learned position embeddings, pre-norm
Transformer blocks with causal self-attention, a final LayerNorm and a linear head; with its training loop,
evaluation (loss and perplexity), and generation (greedy or with a temperature, with or without a KV cache).
"""
from __future__ import annotations

import math

import numpy as np

from ..autodiff.mode import no_grad
from ..autodiff.ops_loss import cross_entropy
from ..autodiff.tensor import Tensor
from ..nn import Embedding, LayerNorm, LearnedPositionalEmbedding, Linear, Module, TransformerEncoderLayer
from .kv_cache import KVCache


class TransformerLM(Module):
    """Logits (B, T, vocab) of the next token at each position of (B, T) integer tokens, T <= max_len."""

    def __init__(self, vocab_size: int, d_model: int = 64, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 256, max_len: int = 128, dropout: float = 0.0, device=None,
                 dtype="float32"):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.vocab_size, self.max_len, self.nhead = vocab_size, max_len, nhead
        self.tok_emb = Embedding(vocab_size, d_model, **kw)
        self.pos_emb = LearnedPositionalEmbedding(max_len, d_model, **kw)
        self.layers = [TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, **kw)
                       for _ in range(num_layers)]
        self.norm = LayerNorm(d_model, **kw)
        self.head = Linear(d_model, vocab_size, **kw)

    def forward(self, tokens) -> Tensor:
        x = self.pos_emb(self.tok_emb(tokens))
        for layer in self.layers:
            x = layer(x, is_causal=True)
        return self.head(self.norm(x))

    def forward_cached(self, tokens, cache: KVCache) -> Tensor:
        """Logits of new tokens (B, T_new) that follow the cache's positions; the cache grows by T_new."""
        x = self.pos_emb(self.tok_emb(tokens), offset=cache.length)
        for i, layer in enumerate(self.layers):
            x = layer.forward_cached(x, cache.layer(i))
        cache.advance(x.shape[1])
        return self.head(self.norm(x))

    def new_cache(self, batch: int) -> KVCache:
        """An empty KV cache for `batch` sequences of up to max_len tokens."""
        weight = self.head.weight
        d_model = weight.shape[1]
        return KVCache(len(self.layers), batch, self.nhead, d_model // self.nhead, self.max_len, weight.device,
                       weight.dtype)


def lm_loss(model, inputs, targets) -> Tensor:
    """Mean cross-entropy of next-token predictions over every position of the batch."""
    logits = model(inputs)
    b, t, v = logits.shape
    return cross_entropy(logits.reshape((b * t, v)), np.asarray(targets).reshape(-1))


def train_lm(model: TransformerLM, corpus, steps: int, optimizer, batch_size: int = 32, block_size: int = 64,
             seed: int = 0, progress: bool = False) -> list[float]:
    """`steps` optimizer steps on random windows of the corpus's training split; the loss of each step.
    `seed` may be a np.random.Generator, to continue one stream of batches over several calls."""
    from tqdm.auto import tqdm

    rng, losses = np.random.default_rng(seed), []
    model.train()
    for _ in tqdm(range(steps), desc="Transformer LM", disable=not progress):
        inputs, targets = corpus.batch("train", batch_size, block_size, rng)
        losses.append(optimizer.minimize(lm_loss(model, inputs, targets)).item())
    return losses


def evaluate_lm(model: TransformerLM, corpus, split: str = "val", batches: int = 8, batch_size: int = 32,
                block_size: int = 64, seed: int = 1, loss_fn=lm_loss) -> dict:
    """{'loss': mean next-token cross-entropy in nats, 'perplexity': its exp} over random windows of `split`
    (loss_fn(model, inputs, targets) lets the torch twin be evaluated on the same windows)."""
    rng = np.random.default_rng(seed)
    model.eval()
    with no_grad():
        losses = [loss_fn(model, *corpus.batch(split, batch_size, block_size, rng)).item() for _ in range(batches)]
    loss = float(np.mean(losses))
    return {"loss": loss, "perplexity": math.exp(loss)}


def _next_token(logits: np.ndarray, temperature: float, rng) -> np.ndarray:
    """(B,) tokens from the last position's (B, vocab) logits: argmax, or a sample at `temperature`."""
    if temperature == 0.0:
        return logits.argmax(-1)
    scaled = logits / temperature
    probs = np.exp(scaled - scaled.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    return np.array([rng.choice(len(p), p=p) for p in probs])


def sample(next_logits, prompt, max_new_tokens: int, temperature: float = 0.0, seed: int = 0) -> np.ndarray:
    """The autoregressive loop shared by every model: next_logits(tokens, new) gives the (B, vocab) logits after
    `tokens` (B, T), of which `new` are not yet seen; returns the prompt followed by max_new_tokens tokens."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    tokens = np.atleast_2d(np.asarray(prompt, dtype=np.int64))
    rng, new = np.random.default_rng(seed), tokens
    for _ in range(max_new_tokens):
        new = _next_token(next_logits(tokens, new), temperature, rng)[:, None]
        tokens = np.concatenate([tokens, new], axis=1)
    return tokens


def generate(model: TransformerLM, prompt, max_new_tokens: int, temperature: float = 0.0, use_cache: bool = True,
             seed: int = 0) -> np.ndarray:
    """The prompt (B, P) int tokens followed by max_new_tokens generated ones: greedy when temperature is 0,
    else sampled from softmax(logits / temperature). With use_cache, earlier positions' keys and values are
    kept (P + max_new_tokens <= max_len); without, each step reruns the model on the last max_len tokens."""
    prompt = np.atleast_2d(np.asarray(prompt, dtype=np.int64))
    if use_cache and prompt.shape[1] + max_new_tokens > model.max_len:
        raise ValueError(f"with use_cache, prompt ({prompt.shape[1]}) + max_new_tokens ({max_new_tokens}) must fit "
                         f"in max_len = {model.max_len}; generate without the cache to slide a window")
    model.eval()
    cache = model.new_cache(prompt.shape[0]) if use_cache else None

    def next_logits(tokens, new):
        logits = model.forward_cached(new, cache) if use_cache else model(tokens[:, -model.max_len:])
        return logits[:, logits.shape[1] - 1].numpy()

    with no_grad():
        return sample(next_logits, prompt, max_new_tokens, temperature, seed)
