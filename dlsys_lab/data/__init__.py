"""Data without a network: Dataset, TensorDataset, DataLoader, transforms, and the course's datasets
(scikit-learn's digits, MNIST from local IDX files, a synthetic sequence task).
"""
from . import transforms
from .dataset import Dataset, TensorDataset
from .digits import digits
from .loader import DataLoader
from .mnist import mnist, read_idx
from .sequence import sequence_task

__all__ = ["Dataset", "TensorDataset", "DataLoader", "transforms", "digits", "mnist", "read_idx", "sequence_task"]
