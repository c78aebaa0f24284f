"""Text generation for POST /v1/generate: the week-1 character Transformer LM with its KV cache, tokens streamed
as they are made (one JSON object a line), and the checkpoint file (.npz) the server loads it from.

Generation runs on a worker thread, one request at a time; each token reaches the client as soon as the model
has chosen it. The text equals dlsys_lab.models.generate's for the same prompt, temperature and seed.
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import AsyncIterator

import numpy as np

from .schemas import GenerateDone, GenerateRequest, GenerateToken


def save_lm(path, model, chars: list[str]) -> None:
    """Write a TransformerLM (its weights and sizes) and its vocabulary (chars[i] is token i) to an .npz file."""
    layer = model.layers[0]
    config = dict(vocab_size=model.vocab_size, d_model=model.head.weight.shape[1], nhead=model.nhead,
                  num_layers=len(model.layers), dim_feedforward=layer.linear1.out_features, max_len=model.max_len)
    np.savez(path, __config__=json.dumps(config), __chars__=json.dumps(chars), **model.state_dict())


def load_lm(path, device=None):
    """(TransformerLM, chars) from a file written by save_lm."""
    from ..models import TransformerLM

    with np.load(path) as saved:
        config, chars = json.loads(str(saved["__config__"])), json.loads(str(saved["__chars__"]))
        state = {k: saved[k] for k in saved.files if not k.startswith("__")}
    model = TransformerLM(**config, device=device)
    model.load_state_dict(state)
    return model.eval(), chars


class TextGenerator:
    """Streams the LM's continuation of a prompt, token by token."""

    def __init__(self, model, chars: list[str]):
        self.model, self.chars = model, chars
        self.index = {c: i for i, c in enumerate(chars)}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")

    def check(self, request: GenerateRequest) -> str | None:
        """Why the request cannot be served (unknown characters, too long), or None."""
        unknown = sorted(set(request.prompt) - set(self.index))
        if unknown:
            return f"characters {unknown} are not in the vocabulary; expected characters of {''.join(self.chars)!r}"
        if len(request.prompt) + request.max_new_tokens > self.model.max_len:
            return (f"prompt ({len(request.prompt)}) + max_new_tokens ({request.max_new_tokens}) must be at most "
                    f"the model's max_len = {self.model.max_len}")
        return None

    def _generate(self, request: GenerateRequest, emit) -> None:
        """models.generate's cached loop (the shared `sample`), telling `emit` each token as soon as it is chosen."""
        from ..autodiff.mode import no_grad
        from ..models.transformer_lm import sample

        prompt = np.array([[self.index[c] for c in request.prompt]])
        cache, fed = self.model.new_cache(1), [0]

        def next_logits(tokens, new):  # every call after the first is handed the token chosen just before
            if fed[0]:
                emit(int(new[0, -1]))
            fed[0] += 1
            logits = self.model.forward_cached(new, cache)
            return logits[:, logits.shape[1] - 1].numpy()

        with no_grad():
            tokens = sample(next_logits, prompt, request.max_new_tokens, request.temperature, request.seed)
        emit(int(tokens[0, -1]))

    async def stream(self, request: GenerateRequest) -> AsyncIterator[str]:
        """Lines of JSON: one GenerateToken per new token, then GenerateDone with the whole text."""
        loop, queue = asyncio.get_running_loop(), asyncio.Queue()
        done = loop.run_in_executor(self._executor, self._generate, request,
                                    lambda token: loop.call_soon_threadsafe(queue.put_nowait, token))
        text = []
        for _ in range(request.max_new_tokens):
            token = self.chars[await queue.get()]
            text.append(token)
            yield GenerateToken(token=token).model_dump_json() + "\n"
        await done
        yield GenerateDone(text=request.prompt + "".join(text), new_tokens=len(text)).model_dump_json() + "\n"
