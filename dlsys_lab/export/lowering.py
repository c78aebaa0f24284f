"""The ONNX form of dlsys_lab ops that have no one-to-one ONNX op, as plain data (graded in lab08_export).

A lowering is `(op_type, inputs, attrs, constants)`: one ONNX node reading `inputs` (the traced value's name and
the names of new constants), its attributes, and the new constants {name: NumPy array}; the emitter renames the
constants to fresh names of the graph (emit.py's `lowered`).
"""
from __future__ import annotations

import numpy as np

# dlsys_lab op class name -> (ONNX op type, does the number come first?)
SCALAR_OPS = {"AddScalar": ("Add", False), "MulScalar": ("Mul", False), "DivScalar": ("Div", False),
              "RSubScalar": ("Sub", True), "RDivScalar": ("Div", True), "PowerScalar": ("Pow", False)}
# dlsys_lab reduction op class name -> (ONNX op type, the first opset where axes are an input, not an attribute)
REDUCTIONS = {"Summation": ("ReduceSum", 13), "Max": ("ReduceMax", 18), "LogSumExp": ("ReduceLogSumExp", 18)}


def lower_scalar_op(op: str, x: str, c: float, dtype: str):
    """The ONNX node of dlsys_lab's `op` (a key of SCALAR_OPS) with the Python number `c` on the value named `x`
    of `dtype`: the number becomes a 0-d constant of that dtype, first for RSubScalar and RDivScalar."""
    # BEGIN LAB lab08_export lower_scalar_op
    op_type, number_first = SCALAR_OPS[op]
    constant = np.asarray(c, dtype=dtype)
    return op_type, ["c", x] if number_first else [x, "c"], {}, {"c": constant}
    # END LAB lab08_export


def lower_reduction(op: str, x: str, axes, keepdims: bool, opset: int):
    """The ONNX node of dlsys_lab's reduction `op` (a key of REDUCTIONS) over `axes` of the value named `x` at
    `opset`: axes as an int64 input from the op's opset on, as an attribute before; keepdims as an int attribute."""
    # BEGIN LAB lab08_export lower_reduction
    op_type, axes_input_since = REDUCTIONS[op]
    attrs = {"keepdims": int(keepdims)}
    if opset >= axes_input_since:
        return op_type, [x, "axes"], attrs, {"axes": np.asarray(list(axes), dtype=np.int64)}
    attrs["axes"] = [int(a) for a in axes]
    return op_type, [x], attrs, {}
    # END LAB lab08_export
