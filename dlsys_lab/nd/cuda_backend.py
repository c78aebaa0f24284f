"""The `cuda` backend: the same strided NDArray layer as `cpu`, over our CUDA kernels.

Available only where torch has CUDA and a GPU is present; elsewhere it reports why, and GPU tests skip.
"""
from __future__ import annotations

from .cpu_backend import StridedBackend


class CudaBackend(StridedBackend):
    """Our CUDA kernels (strided elementwise, reductions, shared-memory tiled matmul) on the current GPU."""

    name = "cuda"
    torch_device = "cuda"

    def _build(self):
        from dlsys_lab.kernels.build import BuildError, build, cuda_unavailable_reason

        reason = cuda_unavailable_reason()
        if reason:
            raise BuildError(reason)
        return build("cuda")

    def status(self):
        if not self.available():
            return f"unavailable: {self._error}"
        import torch

        return (f"usable: our CUDA kernels on {torch.cuda.get_device_name()}, "
                f"matmul steps {', '.join(self._steps)}")
