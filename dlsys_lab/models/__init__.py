"""Whole models built from dlsys_lab.nn: a small Transformer language model with a KV cache for generation,
its torch twin, and the loops that train and sample them.
"""
from .kv_cache import KVCache
from .transformer_lm import TransformerLM, evaluate_lm, generate, train_lm

__all__ = ["TransformerLM", "KVCache", "generate", "train_lm", "evaluate_lm"]
