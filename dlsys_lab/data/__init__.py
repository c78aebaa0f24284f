"""Data without a network: Dataset, TensorDataset, DataLoader, transforms, and the course's datasets
(scikit-learn's digits, MNIST from local IDX files, synthetic sequence tasks,
a character-level text generated from a grammar).
"""
from . import transforms
from .dataset import Dataset, TensorDataset
from .digits import digit_images, digits
from .loader import DataLoader
from .mnist import mnist, read_idx
from .sequence import addition_task, sequence_task
from .shard import Subset, shard
from .text import CharCorpus, char_corpus, grammar_text

__all__ = ["Dataset", "TensorDataset", "DataLoader", "transforms", "digits", "digit_images", "mnist", "read_idx", "sequence_task",
           "addition_task", "char_corpus", "grammar_text", "CharCorpus", "Subset", "shard"]
