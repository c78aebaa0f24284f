"""dlsys_lab as an ONNX backend (onnx.backend.base.Backend), so ONNX's own node conformance tests run against it.

Use the module itself or DlsysLabBackend: `onnx.backend.test.BackendTest(dlsys_lab.export.onnx_backend, __name__)`.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from ..autodiff.tensor import Tensor
from ..nd.device import device as _device
from .ir import Node
from .model import OnnxModel
from .interpret import run_node as _run_ir_node
from .serialize import attribute_value, graph_from_model, load_model
from .values import as_value

DEVICES = {"CPU": "numpy", "CUDA": "cuda"}


def _numpy(value) -> np.ndarray:
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


class DlsysLabRep(BackendRep):
    """A prepared model: run(inputs) returns its outputs as NumPy arrays."""

    def __init__(self, model: OnnxModel):
        self.model = model

    def run(self, inputs, **kwargs):
        """The outputs, in the graph's order, for inputs given as a list (graph order) or a dict by name."""
        if isinstance(inputs, dict):
            inputs = [inputs[v.name] for v in self.model.graph.inputs]
        elif not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        out = self.model(*inputs)
        return tuple(_numpy(v) for v in (out if isinstance(out, tuple) else (out,)))


class DlsysLabBackend(Backend):
    """ONNX's backend interface over dl.export.from_onnx; ONNX device "CPU" runs on dlsys_lab's numpy device."""

    @classmethod
    def prepare(cls, model, device: str = "CPU", **kwargs) -> DlsysLabRep:
        """Check and load `model` (a ModelProto or a path) as a dlsys_lab model on `device`."""
        proto = load_model(model)
        return DlsysLabRep(OnnxModel(graph_from_model(proto), DEVICES[device.split(":")[0]]))

    @classmethod
    def run_model(cls, model, inputs, device: str = "CPU", **kwargs):
        """Prepare `model` and run it once."""
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs, device: str = "CPU", outputs_info=None, **kwargs):
        """Run a single NodeProto on NumPy inputs."""
        attrs = {a.name: attribute_value(a) for a in node.attribute}
        ir = Node(node.op_type, tuple(node.input), tuple(node.output), attrs, node.name or node.op_type, node.domain)
        values = [as_value(x, DEVICES[device.split(":")[0]]) for x in inputs]
        return tuple(_numpy(v) for v in _run_ir_node(ir, values))

    @classmethod
    def supports_device(cls, device: str) -> bool:
        """CPU always; CUDA when dlsys_lab's cuda device is available."""
        name = DEVICES.get(device.split(":")[0])
        return name is not None and _device(name).available()


prepare = DlsysLabBackend.prepare
run_model = DlsysLabBackend.run_model
run_node = DlsysLabBackend.run_node
supports_device = DlsysLabBackend.supports_device
