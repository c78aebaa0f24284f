"""A character-level language-modelling task that needs no download: text generated from a small English
grammar (subjects agree with their verbs in number, clauses nest), encoded one token per character.

`char_corpus()` returns the text, its vocabulary, train/validation token arrays and a batch sampler, so a
language model trains on it in minutes on two cores.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NOUNS = {"sing": ["cat", "dog", "bird", "fox", "child", "robot", "teacher", "farmer", "river", "ship"],
          "plur": ["cats", "dogs", "birds", "foxes", "children", "robots", "teachers", "farmers", "rivers", "ships"]}
_VERBS = {"sing": ["sees", "likes", "follows", "finds", "watches", "helps", "hears", "paints"],
          "plur": ["see", "like", "follow", "find", "watch", "help", "hear", "paint"]}
_INTRANSITIVE = {"sing": ["sleeps", "runs", "sings", "waits", "shines"],
                 "plur": ["sleep", "run", "sing", "wait", "shine"]}
_ADJECTIVES = ["small", "quick", "old", "red", "quiet", "happy", "tall", "green"]
_PLACES = ["near the hill", "by the sea", "in the garden", "under the bridge", "at night", "in the rain"]
_DETERMINERS = {"sing": ["the", "a", "one", "every"], "plur": ["the", "two", "some", "many"]}


def _noun_phrase(rng, number: str) -> str:
    words = [rng.choice(_DETERMINERS[number])]
    if rng.random() < 0.5:
        words.append(rng.choice(_ADJECTIVES))
    words.append(rng.choice(_NOUNS[number]))
    return " ".join(words)


def _clause(rng, depth: int = 0) -> str:
    number = "sing" if rng.random() < 0.5 else "plur"
    subject = _noun_phrase(rng, number)
    if depth < 1 and rng.random() < 0.25:  # a relative clause between subject and verb
        subject += " that " + rng.choice(_VERBS[number]) + " " + _noun_phrase(rng, rng.choice(["sing", "plur"]))
    if rng.random() < 0.35:
        predicate = rng.choice(_INTRANSITIVE[number])
    else:
        predicate = rng.choice(_VERBS[number]) + " " + _noun_phrase(rng, rng.choice(["sing", "plur"]))
    if rng.random() < 0.3:
        predicate += " " + rng.choice(_PLACES)
    return subject + " " + predicate


def grammar_text(n_sentences: int = 3000, seed: int = 0) -> str:
    """n_sentences generated sentences, one per line, lower case, each ending in a period."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n_sentences):
        sentence = _clause(rng)
        if rng.random() < 0.2:
            sentence += rng.choice([" and ", " but ", ", so "]) + _clause(rng, depth=1)
        lines.append(sentence + ".")
    return "\n".join(lines) + "\n"


@dataclass
class CharCorpus:
    """A text as character tokens: `chars[i]` is token i; `train` and `val` are int64 token arrays."""

    text: str
    chars: list[str]
    train: np.ndarray
    val: np.ndarray

    @property
    def vocab_size(self) -> int:
        """The number of distinct characters."""
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Characters -> int64 tokens; unknown characters are an error that names them."""
        index = {c: i for i, c in enumerate(self.chars)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters {unknown} are not in this corpus's vocabulary {''.join(self.chars)!r}")
        return np.array([index[c] for c in text], dtype=np.int64)

    def decode(self, tokens) -> str:
        """Tokens -> the text they stand for."""
        return "".join(self.chars[int(t)] for t in np.asarray(tokens).reshape(-1))

    def batch(self, split: str, batch_size: int, block_size: int, rng: np.random.Generator):
        """(inputs, targets), each (batch_size, block_size) int64: random windows and the same shifted by one."""
        data = {"train": self.train, "val": self.val}.get(split)
        if data is None:
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        if len(data) <= block_size:
            raise ValueError(f"block_size {block_size} needs more than {len(data)} tokens in the {split} split")
        starts = rng.integers(0, len(data) - block_size, size=batch_size)
        window = starts[:, None] + np.arange(block_size)
        return data[window], data[window + 1]


def char_corpus(n_sentences: int = 3000, seed: int = 0, val_fraction: float = 0.1) -> CharCorpus:
    """The grammar's text as a character corpus, the last val_fraction of it held out for validation."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    text = grammar_text(n_sentences, seed)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    tokens = np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
    cut = int(len(tokens) * (1.0 - val_fraction))
    return CharCorpus(text, chars, tokens[:cut], tokens[cut:])
