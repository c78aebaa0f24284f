"""Week 9: operator fusion in dlsys_lab. `fuse(model)` folds eval-mode BatchNorms into the Conv2d or Linear before
them and turns Linear + ReLU into one op (LinearReLU); bench/fusion.py measures what each saves.
"""
from .batchnorm import fold, foldable
from .linear_relu import LinearReLU, LinearReLUOp
from .passes import fuse

__all__ = ["fuse", "fold", "foldable", "LinearReLU", "LinearReLUOp"]
