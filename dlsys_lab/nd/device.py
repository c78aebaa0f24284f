"""Devices: a name bound to a backend, with a registry so compiled backends plug in by name."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from . import hooks

# name -> "module:attribute" of a zero-argument factory returning the backend; imported lazily
# so that `import dlsys_lab` never compiles or loads kernels.
BACKEND_FACTORIES = {
    "numpy": "dlsys_lab.nd.numpy_backend:NumpyBackend",
    "cpu": "dlsys_lab.nd.cpu_backend:CpuBackend",
    "cuda": "dlsys_lab.nd.cuda_backend:CudaBackend",
}
_backends: dict[str, Any] = {}


def _load_backend(name):
    if name not in _backends:
        module_name, attr = BACKEND_FACTORIES[name].split(":")
        try:
            _backends[name] = getattr(importlib.import_module(module_name), attr)()
        except ImportError as err:
            _backends[name] = MissingBackend(name, f"not installed in this checkout ({err})")
        if hooks.LISTENERS:
            hooks.install(_backends[name])
    return _backends[name]


class MissingBackend:
    """Stands in for a backend that cannot be imported; says why on every use."""

    def __init__(self, name, reason):
        self.name, self.reason = name, reason

    def available(self):
        return False

    def status(self):
        return f"unavailable: {self.reason}"

    def __getattr__(self, attr):
        raise RuntimeError(f"device '{self.name}' is {self.status()}")


@dataclass(frozen=True)
class Device:
    """A place where arrays live: `numpy`, `cpu` (our C++ kernels) or `cuda` (our CUDA kernels)."""

    name: str
    _backend: Any = field(default=None, repr=False, compare=False)

    @property
    def backend(self):
        """The backend object; raises with the reason when the device is unavailable."""
        backend = self._backend or _load_backend(self.name)
        if not backend.available():
            raise RuntimeError(f"device '{self.name}' is {backend.status()}")
        return backend

    def available(self) -> bool:
        """True when tensors can be created on this device now."""
        return _load_backend(self.name).available()

    def status(self) -> str:
        """One line saying whether the backend is built and usable, or why not."""
        return _load_backend(self.name).status()

    def __str__(self):
        return self.name


def device(name: "str | Device" = "numpy") -> Device:
    """The Device called `name` ('numpy', 'cpu' or 'cuda')."""
    if isinstance(name, Device):
        return name
    if name not in BACKEND_FACTORIES:
        raise ValueError(f"unknown device {name!r}; devices are: {', '.join(BACKEND_FACTORIES)}")
    return Device(name)


def default_device() -> Device:
    """The device tensors go to when none is named: numpy, the always-available reference."""
    return Device("numpy")


def all_devices() -> list[Device]:
    """Every known device, available or not (tests parametrize over the available ones)."""
    return [Device(name) for name in BACKEND_FACTORIES]
