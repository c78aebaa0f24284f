"""Arrays and devices: the backend protocol, the NumPy reference backend, and compiled ones."""
from .device import Device, all_devices, default_device, device

__all__ = ["Device", "device", "default_device", "all_devices"]
