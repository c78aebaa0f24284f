"""Models of the hardware that runs deep learning: a systolic array, GPU occupancy and rooflines, accelerators.

`systolic.simulate` steps a GEMM through a grid of multiply-accumulate units cycle by cycle; `gpu.occupancy`
applies CUDA's occupancy rules; `accelerators.TABLE` lists published figures of today's chips, cited.
"""
from __future__ import annotations

import importlib

__all__ = ["systolic", "gpu", "accelerators"]


def __getattr__(name):
    # Each model loads on first use, like dlsys_lab's own subpackages.
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dlsys_lab.hardware' has no attribute {name!r}")
