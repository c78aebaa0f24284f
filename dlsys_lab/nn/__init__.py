"""Neural-network layers in the style of torch.nn: Module, Parameter and the usual layers and losses.

Modules take device= and dtype= keywords; state_dict keys match torch's for the same structure.
"""
from . import init, utils
from .activation import ReLU, Sigmoid, Tanh
from .container import Residual, Sequential
from .conv import Conv2d, MaxPool2d
from .dropout import Dropout
from .embedding import Embedding
from .linear import Flatten, Linear
from .loss import CrossEntropyLoss, MSELoss
from .module import Buffer, Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .attention import MultiheadAttention
from .positional import LearnedPositionalEmbedding, SinusoidalPositionalEncoding
from .recompute import checkpoint, checkpoint_sequential, segment_bounds, sqrt_segments
from .resnet import ResidualBlock
from .rnn import LSTM, RNN, LSTMCell, RNNCell
from .transformer import TransformerEncoderLayer

__all__ = ["Module", "Parameter", "Buffer", "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "Flatten",
           "Residual", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding", "Conv2d", "MaxPool2d",
           "CrossEntropyLoss", "MSELoss", "init", "checkpoint", "checkpoint_sequential",
           "segment_bounds", "sqrt_segments",
           "BatchNorm2d", "MultiheadAttention", "TransformerEncoderLayer", "RNN", "LSTM", "RNNCell", "LSTMCell",
           "SinusoidalPositionalEncoding", "LearnedPositionalEmbedding", "ResidualBlock", "utils"]
