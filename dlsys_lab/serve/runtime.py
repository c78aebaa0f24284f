"""Runtimes that run an ONNX model on a batch of rows: dlsys_lab (from_onnx) or onnxruntime.

The dlsys runtime runs on our `cpu` device where it is built: its matmul sums every output in the same order
whatever the batch, so a row's answer does not depend on the rows batched with it (NumPy's BLAS does not promise
that: its last bits change with the batch size). Models exported by week 8's to_onnx have the example's batch
size in their input and output shapes; the server loads them with that first axis made symbolic.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import onnx

RUNTIMES = ("dlsys", "onnxruntime")


class Runtime(Protocol):
    """What the server needs from a model: its name, one row's shape, and a batched forward pass."""

    name: str
    model_name: str
    row_shape: tuple[int | None, ...]

    def run(self, batch: np.ndarray) -> np.ndarray:
        """The model's (first) output for a float32 batch of rows."""


def with_dynamic_batch(proto: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of proto whose graph inputs and outputs have a symbolic first axis named 'batch'."""
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    for value in [*proto.graph.input, *proto.graph.output]:
        dims = value.type.tensor_type.shape.dim
        if len(dims):
            dims[0].Clear()
            dims[0].dim_param = "batch"
    return proto


def _row_shape(proto: onnx.ModelProto) -> tuple[int | None, ...]:
    initializers = {init.name for init in proto.graph.initializer}
    inputs = [v for v in proto.graph.input if v.name not in initializers]
    if len(inputs) != 1:
        raise ValueError(f"the server serves models with one input; this one has {[v.name for v in inputs]}")
    dims = inputs[0].type.tensor_type.shape.dim[1:]
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)


class DlsysRuntime:
    """The model imported with dl.export.from_onnx, run by dlsys_lab's ops on `device`."""

    name = "dlsys"

    def __init__(self, proto: onnx.ModelProto, model_name: str, device: str = "cpu"):
        from .. import export
        from ..autodiff import no_grad

        self.model_name, self.row_shape = model_name, _row_shape(proto)
        self.model, self._no_grad = export.from_onnx(proto, device=device), no_grad

    def run(self, batch: np.ndarray) -> np.ndarray:
        with self._no_grad():
            out = self.model(batch)
        out = out[0] if isinstance(out, tuple) else out
        return out.numpy() if hasattr(out, "numpy") else np.asarray(out)


class OnnxRuntime:
    """The model in an onnxruntime InferenceSession on the CPU with `threads` intra-op threads."""

    name = "onnxruntime"

    def __init__(self, proto: onnx.ModelProto, model_name: str, threads: int = 1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        self.model_name, self.row_shape = model_name, _row_shape(proto)
        self.session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self._input = self.session.get_inputs()[0].name

    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self._input: batch})[0]


def default_device() -> str:
    """'cpu' where our kernels are built (batch-invariant answers), else 'numpy'."""
    from ..nd.device import device

    return "cpu" if device("cpu").available() else "numpy"


def load_runtime(path, runtime: str = "dlsys", threads: int = 1, device: str | None = None) -> Runtime:
    """The ONNX file at `path` (batch axis made symbolic) in the named runtime ('dlsys' on `device`, or
    'onnxruntime' with `threads` threads)."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; runtimes are: {', '.join(RUNTIMES)}")
    proto = with_dynamic_batch(onnx.load(str(path)))
    name = Path(path).stem
    if runtime == "dlsys":
        return DlsysRuntime(proto, name, device or default_device())
    return OnnxRuntime(proto, name, threads)
