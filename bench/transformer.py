"""One training step of the same small Transformer LM in dlsys_lab (cpu backend by default) and in torch, as a
ratio measured in one run; then generation with and without the KV cache.

The model is dlsys_lab.models.TransformerLM (2 pre-norm layers, d_model 64, 4 heads, feed-forward 256, 64
positions) on the bundled character text, batch 32 x 64 tokens, Adam, float32; torch's twin starts from the
same weights.
Steps alternate between the frameworks round by round, so machine load drifts onto both alike; we print
medians with the interquartile range, the median of the per-round ratios, thread counts and the load average.
--profile adds where dlsys_lab's step spends its time (cProfile, by function).
Usage: python bench/transformer.py [--rounds 15] [--device cpu] [--threads 1] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import dlsys_lab as dl
from dlsys_lab.models import TransformerLM, generate
from dlsys_lab.models.side_by_side import SMALL
from dlsys_lab.models.transformer_lm import lm_loss
from dlsys_lab.models.torch_lm import TorchTransformerLM, torch_lm_loss

CONFIG = SMALL  # the model of python -m dlsys_lab.models.side_by_side and labs/01_transformer_lm
BATCH, BLOCK, LR, GOAL = 32, 64, 3e-3, 1.5


def quartiles(values) -> str:
    """'median ms (IQR q1-q3)' of times in seconds."""
    q1, med, q3 = np.percentile(values, [25, 50, 75]) * 1e3
    return f"{med:8.1f} ms  (IQR {q1:.1f}-{q3:.1f})"


def make_pair(corpus, device):
    """dlsys_lab's model and optimizer, and torch's, from the same weights."""
    torch.manual_seed(0)
    theirs = TorchTransformerLM(corpus.vocab_size, **CONFIG)
    ours = TransformerLM(corpus.vocab_size, **CONFIG, device=device)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return (ours, dl.optim.Adam(ours.parameters(), lr=LR)), (theirs, torch.optim.Adam(theirs.parameters(), lr=LR))


def timed_step(loss_fn, model, optimizer, batch):
    """One training step (either framework: same method names); seconds."""
    start = time.perf_counter()
    loss = loss_fn(model, *batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return time.perf_counter() - start


def training_steps(corpus, device: str, rounds: int):
    """(dlsys_lab seconds per step, torch seconds per step), one of each per round on the same batch."""
    (ours, opt), (theirs, t_opt) = make_pair(corpus, device)
    rng = np.random.default_rng(0)
    for _ in range(2):  # warm-up: kernels, allocator, shape caches
        batch = corpus.batch("train", BATCH, BLOCK, rng)
        timed_step(lm_loss, ours, opt, batch), timed_step(torch_lm_loss, theirs, t_opt, batch)
    dl_times, torch_times = [], []
    for _ in range(rounds):
        batch = corpus.batch("train", BATCH, BLOCK, rng)
        dl_times.append(timed_step(lm_loss, ours, opt, batch))
        torch_times.append(timed_step(torch_lm_loss, theirs, t_opt, batch))
    return dl_times, torch_times, ours, opt


def profile_step(model, optimizer, corpus, steps: int = 3) -> str:
    """cProfile's top functions (by own time) over a few dlsys_lab steps."""
    rng = np.random.default_rng(1)
    batches = [corpus.batch("train", BATCH, BLOCK, rng) for _ in range(steps)]
    profiler = cProfile.Profile()
    profiler.enable()
    for batch in batches:
        timed_step(lm_loss, model, optimizer, batch)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
    return out.getvalue()


def generation_times(corpus, device: str, new_tokens: int, repeats: int = 3):
    """(seconds without the cache, seconds with it) to generate new_tokens greedily after a 4-token prompt."""
    dl.nn.init.manual_seed(0)
    model = TransformerLM(corpus.vocab_size, **CONFIG, device=device)
    prompt = corpus.encode("the ")[None, :]
    plain, cached = [], []
    for _ in range(repeats):
        for use_cache, times in ((False, plain), (True, cached)):
            start = time.perf_counter()
            tokens = generate(model, prompt, new_tokens, use_cache=use_cache)
            times.append(time.perf_counter() - start)
    assert (tokens == generate(model, prompt, new_tokens, use_cache=False)).all()
    return plain, cached


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--new-tokens", type=int, default=60)  # with the 4-token prompt, max_len 64 is full
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    corpus = dl.data.char_corpus()
    with threadpool_limits(args.threads):
        print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), dlsys_lab on '{args.device}' "
              f"({dl.device(args.device).status()}); {os.cpu_count()} CPUs; load average before "
              f"{os.getloadavg()[0]:.2f}")
        dl_times, torch_times, model, optimizer = training_steps(corpus, args.device, args.rounds)
        load = os.getloadavg()[0]
        ratio = statistics.median(dl_times) / statistics.median(torch_times)
        paired = statistics.median(a / b for a, b in zip(dl_times, torch_times))
        print(f"Transformer LM training step: {CONFIG}, batch {BATCH} x {BLOCK} tokens, Adam, float32, "
              f"{args.rounds} rounds")
        print(f"  dlsys_lab ({args.device}): {quartiles(dl_times)}")
        print(f"  torch          : {quartiles(torch_times)}")
        print(f"  ratio dlsys_lab/torch: {ratio:.2f} (goal <= {GOAL}); median of per-round ratios {paired:.2f}; "
              f"load average {load:.2f} on {os.cpu_count()} CPUs")
        plain, cached = generation_times(corpus, args.device, args.new_tokens)
        print(f"greedy generation of {args.new_tokens} tokens (dlsys_lab, {args.device}):")
        print(f"  without KV cache: {quartiles(plain)}\n  with KV cache   : {quartiles(cached)}")
        print(f"  speedup {statistics.median(plain) / statistics.median(cached):.2f}x (same tokens)")
        if args.profile:
            print(profile_step(model, optimizer, corpus))


if __name__ == "__main__":
    main()
