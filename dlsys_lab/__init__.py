"""dlsys_lab: the framework of the Deep Learning Systems course kit.

Tensors with reverse-mode autodiff on pluggable array backends, and nn, optim and data on top.
"""
__version__ = "0.1.0"

from . import ops
from .autodiff import GradcheckError, Tensor, enable_grad, grad, gradcheck, no_grad, value_and_grad, vjp
from .nd import Device, all_devices, default_device, device

__all__ = ["Tensor", "Device", "device", "default_device", "all_devices", "grad", "value_and_grad", "vjp",
           "gradcheck", "GradcheckError", "no_grad", "enable_grad", "ops", "nn", "optim", "data",
           "__version__"]


def __getattr__(name):
    # nn, optim and data load on first use, so `import dlsys_lab` stays light for the command line.
    if name in ("nn", "optim", "data", "bench", "profiler"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    if name == "profile":
        from .profiler import profile
        return profile
    raise AttributeError(f"module 'dlsys_lab' has no attribute {name!r}")
