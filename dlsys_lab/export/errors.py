"""The errors of dl.export: each names what is wrong and, where there is one, the fix."""
from __future__ import annotations


class OnnxLoadError(ValueError):
    """An .onnx file that cannot be read as a valid model (missing, malformed or truncated)."""


class UnsupportedOpError(NotImplementedError):
    """An ONNX op (or an attribute value of one) that dlsys_lab cannot run, or a dlsys_lab op with no ONNX form."""

    def __init__(self, op: str, node: str = "", opset: int | None = None, detail: str = ""):
        self.op, self.node, self.opset = op, node, opset
        where = f" (node {node!r}" + (f", opset {opset})" if opset is not None else ")") if node or opset else ""
        super().__init__(f"unsupported op {op!r}{where}" + (f": {detail}" if detail else ""))
