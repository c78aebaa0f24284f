"""The two op tables of dl.export: ONNX op type -> how dlsys_lab runs it, and dlsys_lab op -> how ONNX writes it.

The ops_*.py modules fill both tables when this package is imported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Importer:
    """How to run one ONNX op: fn(node, *inputs) -> a value or a tuple of values.

    Values are Tensors (floating data) or NumPy arrays (integers: shapes, indices). A node whose inputs are all
    integer arrays runs on float64 Tensors and its results are cast back, unless `integer_inputs` says the function
    takes NumPy arrays as they are (Cast, Shape, ...).
    """

    fn: Callable
    integer_inputs: bool = False


IMPORTS: dict[str, Importer] = {}
EXPORTS: dict[type, Callable] = {}


def imports(*op_types: str, integer_inputs: bool = False):
    """Register the decorated fn(node, *inputs) as the way to run the ONNX ops `op_types`."""
    def register(fn):
        for op_type in op_types:
            IMPORTS[op_type] = Importer(fn, integer_inputs)
        return fn
    return register


def exports(*op_classes: type):
    """Register the decorated fn(emit, op, inputs, out) as the way to write dlsys_lab ops of `op_classes` as ONNX."""
    def register(fn):
        for cls in op_classes:
            EXPORTS[cls] = fn
        return fn
    return register
