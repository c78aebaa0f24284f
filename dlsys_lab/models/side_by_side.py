"""Train the Transformer LM in dlsys_lab and its torch twin side by side: same initial weights, same batches,
steps alternating between the two so machine load falls on both alike; loss curves, time per step,
held-out loss and perplexity, and samples from each.
Usage: python -m dlsys_lab.models.side_by_side [--steps 600] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from .. import optim
from ..data.text import char_corpus
from .torch_lm import TorchTransformerLM, generate_torch, torch_lm_loss, train_torch_lm
from .transformer_lm import TransformerLM, evaluate_lm, generate, train_lm

SMALL = dict(d_model=64, nhead=4, num_layers=2, dim_feedforward=256, max_len=64)  # trains every position


def train_side_by_side(steps: int = 600, device: str = "cpu", config: dict | None = None, batch_size: int = 32,
                       block_size: int = 64, lr: float = 3e-3, seed: int = 0, prompt: str = "the ",
                       sample_tokens: int = 120, threads: int = 1, progress: bool = True) -> dict:
    """Both models trained for `steps`; a dict of per-step losses and seconds, evaluations, samples, and the
    trained models under 'models' (dlsys_lab's, torch's)."""
    from tqdm.auto import tqdm

    config = dict(SMALL if config is None else config)
    corpus = char_corpus()
    torch.manual_seed(seed)
    theirs = TorchTransformerLM(corpus.vocab_size, **config)
    ours = TransformerLM(corpus.vocab_size, **config, device=device)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opt, t_opt = optim.Adam(ours.parameters(), lr=lr), torch.optim.Adam(theirs.parameters(), lr=lr)
    ours_rng, theirs_rng = np.random.default_rng(seed), np.random.default_rng(seed)  # the same batches
    result = {"config": config, "steps": steps, "device": device, "threads": threads, "dl_loss": [],
              "torch_loss": [], "dl_seconds": [], "torch_seconds": []}
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(threads):
            for _ in tqdm(range(steps), desc="dlsys_lab and torch", disable=not progress):
                for name, train in (("dl", lambda: train_lm(ours, corpus, 1, opt, batch_size, block_size, ours_rng)),
                                    ("torch", lambda: train_torch_lm(theirs, corpus, 1, t_opt, batch_size, block_size,
                                                                     theirs_rng))):
                    start = time.perf_counter()
                    result[f"{name}_loss"] += train()
                    result[f"{name}_seconds"].append(time.perf_counter() - start)
            window = dict(batch_size=batch_size, block_size=block_size)
            result["dl_eval"] = evaluate_lm(ours, corpus, **window)
            result["torch_eval"] = evaluate_lm(theirs, corpus, **window, loss_fn=torch_lm_loss)
            start, n = corpus.encode(prompt), sample_tokens  # without the cache: a window slides past max_len
            result["dl_sample"] = corpus.decode(generate(ours, start, n, 0.8, use_cache=False, seed=seed)[0])
            result["torch_sample"] = corpus.decode(generate_torch(theirs, start, n, 0.8, seed=seed)[0])
            result["dl_greedy"] = corpus.decode(generate(ours, start, n, use_cache=False)[0])
    finally:
        torch.set_num_threads(torch_threads)
    result["models"] = (ours, theirs)
    result["load_average"] = os.getloadavg()[0]
    result["unigram_entropy"] = _unigram_entropy(corpus.train)
    return result


def _unigram_entropy(tokens: np.ndarray) -> float:
    """Nats per character of a model that ignores context: the baseline a language model must beat."""
    p = np.bincount(tokens) / len(tokens)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def summary(result: dict) -> str:
    """The side-by-side figures as text."""
    dl_ms, torch_ms = (statistics.median(result[k]) * 1e3 for k in ("dl_seconds", "torch_seconds"))
    lines = [f"{result['steps']} steps of {result['config']} on '{result['device']}', {result['threads']} thread(s), "
             f"load average {result['load_average']:.2f}",
             f"  {'':10s} {'ms/step':>8s} {'last loss':>9s} {'val loss':>8s} {'perplexity':>10s}"]
    for name in ("dl", "torch"):
        ms = dl_ms if name == "dl" else torch_ms
        ev = result[f"{name}_eval"]
        lines.append(f"  {'dlsys_lab' if name == 'dl' else 'torch':10s} {ms:8.1f} {result[f'{name}_loss'][-1]:9.3f} "
                     f"{ev['loss']:8.3f} {ev['perplexity']:10.2f}")
    lines.append(f"  time ratio dlsys_lab/torch {dl_ms / torch_ms:.2f}; a context-free model's loss: "
                 f"{result['unigram_entropy']:.3f} nats (perplexity {np.exp(result['unigram_entropy']):.1f})")
    for key in ("dl_sample", "torch_sample", "dl_greedy"):
        lines.append(f"  {key}: {result[key]!r}")
    return "\n".join(lines)


def main() -> None:
    """Train both and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(summary(train_side_by_side(args.steps, args.device, threads=args.threads)))


if __name__ == "__main__":
    main()
