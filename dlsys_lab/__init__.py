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


# Subpackages loaded on first use (dl.nn, dl.memory, ...), so `import dlsys_lab` stays light for the command line.
_SUBPACKAGES = ("nn", "optim", "data", "models", "bench", "profiler", "memory", "sched", "hardware", "hpo", "uq", "workflow",
               "export", "quant", "prune", "serve", "fusion", "dsl", "amp")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    if name == "profile":
        from .profiler import profile
        return profile
    if name == "checkpoint":  # gradient checkpointing lives with nn (it replays dropout's generators)
        from .nn.recompute import checkpoint
        return checkpoint
    raise AttributeError(f"module 'dlsys_lab' has no attribute {name!r}")
