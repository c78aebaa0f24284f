"""Elementwise, matrix and reduction ops in both directions: ONNX -> dlsys_lab functions, dlsys_lab ops -> ONNX.

ONNX broadcasts like NumPy, as dlsys_lab's elementwise ops do, so the binary ops map one to one.
"""
from __future__ import annotations

from .. import ops
from ..autodiff import ops_elementwise as ew
from ..autodiff import ops_matmul as mm
from ..autodiff import ops_reduce as rd
from ..autodiff import ops_softmax as sm
from .lowering import lower_reduction, lower_scalar_op
from .registry import exports, imports
from .values import axes_of, like, tensor

# ONNX op type, dlsys_lab Op class, dlsys_lab function: the ops that map one to one, in both directions.
ONE_TO_ONE = [
    ("Add", ew.Add, ops.add), ("Sub", ew.Sub, ops.sub), ("Mul", ew.Mul, ops.mul), ("Div", ew.Div, ops.div),
    ("Pow", ew.Power, ops.power_tensor), ("Neg", ew.Neg, ops.neg), ("Exp", ew.Exp, ops.exp),
    ("Log", ew.Log, ops.log), ("Tanh", ew.Tanh, ops.tanh), ("Sigmoid", ew.Sigmoid, ops.sigmoid),
    ("Sqrt", ew.Sqrt, ops.sqrt), ("Abs", ew.Abs, ops.abs), ("Relu", ew.ReLU, ops.relu),
    ("MatMul", mm.MatMul, ops.matmul),
]


def _one_to_one(op_type, fn):
    def run(node, a, *rest):
        return fn(tensor(a, like(*rest)), *rest)

    def write(emit, op, names, tensors, out):
        return emit.node(op_type, names)

    return run, write


for _op_type, _cls, _fn in ONE_TO_ONE:
    _run, _write = _one_to_one(_op_type, _fn)
    imports(_op_type)(_run)
    exports(_cls)(_write)

@exports(ew.AddScalar, ew.MulScalar, ew.DivScalar, ew.RSubScalar, ew.RDivScalar, ew.PowerScalar)
def _write_scalar(emit, op, names, tensors, out):
    return emit.lowered(lower_scalar_op(type(op).__name__, names[0], op.c, tensors[0].dtype))


@exports(ew.AsType)
def _write_cast(emit, op, names, tensors, out):
    return emit.node("Cast", names, to=emit.onnx_dtype(op.dtype))


@imports("Gemm")
def _gemm(node, a, b, c=None):
    a, b = tensor(a), tensor(b)
    if node.attrs.get("transA", 0):
        a = a.transpose()
    if node.attrs.get("transB", 0):
        b = b.transpose()
    y = a @ b
    alpha, beta = node.attrs.get("alpha", 1.0), node.attrs.get("beta", 1.0)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (tensor(c, y) * beta if beta != 1.0 else tensor(c, y))
    return y


# ---- reductions ---------------------------------------------------------------------------------------
REDUCTIONS = {"ReduceSum": ops.summation, "ReduceMean": ops.mean, "ReduceMax": ops.reduce_max,
              "ReduceLogSumExp": ops.logsumexp}


def _reduce(fn):
    def run(node, x, axes=None):
        x = tensor(x)
        chosen = axes_of(node, (x, axes), 1, x.ndim)
        if not chosen:  # absent or empty: all axes, or nothing when noop_with_empty_axes
            if node.attrs.get("noop_with_empty_axes", 0):
                return x
            chosen = None
        return fn(x, chosen, keepdims=bool(node.attrs.get("keepdims", 1)))
    return run


for _op_type, _fn in REDUCTIONS.items():
    imports(_op_type)(_reduce(_fn))

@exports(rd.Summation, rd.Max, rd.LogSumExp)
def _write_reduce(emit, op, names, tensors, out):
    return emit.lowered(lower_reduction(type(op).__name__, names[0], op.axes, op.keepdims, emit.opset))


# ---- softmax --------------------------------------------------------------------------------------------
@imports("Softmax", "LogSoftmax")
def _softmax(node, x):
    x = tensor(x)
    fn = ops.softmax if node.op == "Softmax" else ops.log_softmax
    return fn(x, node.attrs.get("axis", -1))


@exports(sm.Softmax)
def _write_softmax(emit, op, names, tensors, out):
    return emit.node("Softmax", names, axis=op.axis)
