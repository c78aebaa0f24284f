"""GPU models: CUDA's occupancy rules, published peaks of H100/H200, and a roofline with our measured kernels.

Occupancy follows the rules of NVIDIA's CUDA Occupancy Calculator (also shipped as the toolkit's header
cuda_occupancy.h): a block is resident on a streaming multiprocessor (SM) only if the SM has the warp slots, the
block slot, the registers and the shared memory it needs, each allocated in whole units. Per-architecture limits
are from the CUDA C++ Programming Guide, "Compute Capabilities", table "Technical Specifications per Compute
Capability" (https://docs.nvidia.com/cuda/cuda-c-programming-guide/#features-and-technical-specifications),
and the tuning guides of Ampere and Hopper (https://docs.nvidia.com/cuda/ampere-tuning-guide/,
https://docs.nvidia.com/cuda/hopper-tuning-guide/).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Arch:
    """The per-SM limits of one compute capability that occupancy depends on."""

    name: str
    max_threads_per_block: int = 1024
    max_warps_per_sm: int = 64
    max_blocks_per_sm: int = 32
    registers_per_sm: int = 65_536
    max_registers_per_block: int = 65_536
    max_registers_per_thread: int = 255
    register_unit: int = 256           # registers are given to a warp in units of 256
    sub_partitions: int = 4            # the register file is split among 4 schedulers; a warp lives in one
    shared_per_sm: int = 167_936       # the largest shared-memory carve-out of the unified L1/shared memory
    max_shared_per_block: int = 166_912  # opt-in maximum (cudaFuncAttributeMaxDynamicSharedMemorySize)
    shared_unit: int = 128             # shared memory is given to a block in units of 128 bytes
    reserved_shared_per_block: int = 1_024  # the runtime keeps 1 KB per block for itself (compute capability >= 8.0)


# Programming Guide, "Technical Specifications per Compute Capability": 7.0 has 64 warps, 32 blocks and 96 KB of
# shared memory per SM; 7.5 has 32 warps, 16 blocks and 64 KB; neither reserves shared memory per block. 8.0 has 64 warps, 32 blocks and up to
# 164 KB of shared memory per SM (163 KB per block); 8.6 and 8.9 have 48 warps, 16 and 24 blocks, 100 KB (99 KB);
# 9.0 has 64 warps, 32 blocks, 228 KB per SM (227 KB per block). All have 64K 32-bit registers per SM, at most
# 255 per thread and 64K per block, and reserve 1 KB of shared memory per block.
ARCHS = {a.name: a for a in (
    Arch("sm_70", shared_per_sm=98_304, max_shared_per_block=98_304, reserved_shared_per_block=0),
    Arch("sm_75", max_warps_per_sm=32, max_blocks_per_sm=16, shared_per_sm=65_536, max_shared_per_block=65_536,
         reserved_shared_per_block=0),
    Arch("sm_80"),
    Arch("sm_86", max_warps_per_sm=48, max_blocks_per_sm=16, shared_per_sm=102_400, max_shared_per_block=101_376),
    Arch("sm_89", max_warps_per_sm=48, max_blocks_per_sm=24, shared_per_sm=102_400, max_shared_per_block=101_376),
    Arch("sm_90", shared_per_sm=233_472, max_shared_per_block=232_448),
)}


@dataclass(frozen=True)
class Occupancy:
    """Resident blocks and warps per SM for one launch configuration, and what limits them."""

    arch: str
    blocks_per_sm: int
    warps_per_block: int
    limits: dict  # blocks per SM allowed by each resource: "warps", "blocks", "registers", "shared memory"

    @property
    def active_warps(self) -> int:
        return self.blocks_per_sm * self.warps_per_block

    @property
    def occupancy(self) -> float:
        """Active warps / the SM's maximum warps."""
        return self.active_warps / ARCHS[self.arch].max_warps_per_sm

    @property
    def limiter(self) -> str:
        """The resource that allows the fewest blocks (the first of equals, in the calculator's order)."""
        return min(self.limits, key=self.limits.get)


def occupancy(threads_per_block: int, registers_per_thread: int, shared_bytes_per_block: int,
              arch: str = "sm_90") -> Occupancy:
    """Blocks and warps resident per SM, by CUDA's occupancy rules (the Occupancy Calculator's)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; known: {', '.join(ARCHS)}")
    spec = ARCHS[arch]
    if not 1 <= threads_per_block <= spec.max_threads_per_block:
        raise ValueError(f"threads_per_block must be 1 to {spec.max_threads_per_block} on {arch}, "
                         f"got {threads_per_block}")
    if not 0 <= registers_per_thread <= spec.max_registers_per_thread:
        raise ValueError(f"registers_per_thread must be 0 to {spec.max_registers_per_thread} on {arch}, "
                         f"got {registers_per_thread}")
    if not 0 <= shared_bytes_per_block <= spec.max_shared_per_block:
        raise ValueError(f"shared_bytes_per_block must be 0 to {spec.max_shared_per_block} on {arch}, "
                         f"got {shared_bytes_per_block}")
    warps = math.ceil(threads_per_block / 32)
    limits = {"warps": spec.max_warps_per_sm // warps, "blocks": spec.max_blocks_per_sm,
              "registers": _register_limit(spec, warps, registers_per_thread),
              "shared memory": _shared_limit(spec, shared_bytes_per_block)}
    return Occupancy(arch, min(limits.values()), warps, limits)


def _register_limit(spec: Arch, warps: int, registers_per_thread: int) -> int:
    """Blocks per SM the register file allows: each warp gets registers_per_thread x 32 rounded up to 256,
    inside one of the 4 sub-partitions (16K registers each), and a block takes whole warps."""
    if registers_per_thread == 0:
        return spec.max_blocks_per_sm
    per_warp = _round_up(registers_per_thread * 32, spec.register_unit)
    if per_warp * warps > spec.max_registers_per_block:
        return 0
    warps_per_partition = (spec.registers_per_sm // spec.sub_partitions) // per_warp
    return warps_per_partition * spec.sub_partitions // warps


def _shared_limit(spec: Arch, shared_bytes: int) -> int:
    """Blocks per SM the shared memory allows: each block takes its bytes plus the reserved 1 KB (compute
    capability 8.0 and later), in 128-byte units; a block that takes none is not limited by it."""
    per_block = _round_up(shared_bytes + spec.reserved_shared_per_block, spec.shared_unit)
    return spec.shared_per_sm // per_block if per_block else spec.max_blocks_per_sm


def _round_up(x: int, unit: int) -> int:
    return -(-x // unit) * unit


# --------------------------------------------------------------------------------------------------------------
# Published peaks (dense, no structured sparsity), in TFLOP/s, and HBM bandwidth in TB/s.
@dataclass(frozen=True)
class GpuSpec:
    """A GPU's published dense peaks (TFLOP/s) per precision and its memory bandwidth (TB/s), with the source."""

    name: str
    peaks: dict
    bandwidth_tbs: float
    memory_gb: int
    source: str


# NVIDIA H100 Tensor Core GPU datasheet and H200 datasheet (SXM form factor): FP32 67 TFLOP/s; TF32 Tensor Core
# 989 and BF16 Tensor Core 1,979 TFLOP/s "with sparsity", so half of each dense; HBM3 3.35 TB/s (H100 SXM, 80 GB),
# HBM3e 4.8 TB/s (H200 SXM, 141 GB). The two share the GH100 compute die and clocks.
GPUS = {g.name: g for g in (
    GpuSpec("H100 SXM", {"FP32": 67.0, "TF32 tensor": 494.5, "BF16 tensor": 989.5}, 3.35, 80,
            "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet"),
    GpuSpec("H200 SXM", {"FP32": 67.0, "TF32 tensor": 494.5, "BF16 tensor": 989.5}, 4.8, 141,
            "https://nvdam.widen.net/s/nb5zzzsjdf/hpc-datasheet-sc23-h200-datasheet-3002446"),
)}


@dataclass(frozen=True)
class MatmulPoint:
    """One measured float32 matmul of n x n matrices: its GFLOP/s and its compulsory arithmetic intensity."""

    kernel: str
    n: int
    gflops: float

    @property
    def intensity(self) -> float:
        """FLOPs per byte of DRAM traffic if each matrix moved once: 2n^3 / (3 n^2 x 4 bytes) = n / 6."""
        return 2 * self.n ** 3 / (3 * self.n ** 2 * 4)


def measured_matmul_points(path: str | Path = None) -> list[MatmulPoint]:
    """Our CUDA matmul steps' GFLOP/s on an H200, read from the table in bench/gpu_results.md."""
    path = Path(path) if path else Path(__file__).resolve().parents[2] / "bench" / "gpu_results.md"
    lines = [line for line in path.read_text().splitlines() if line.startswith("|")]
    if len(lines) < 3:
        raise ValueError(f"{path} holds no table of matmul GFLOP/s")
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    points = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for kernel, cell in zip(header[1:], cells[1:]):
            number = re.match(r"[\d,]+", cell)
            if number:
                points.append(MatmulPoint(kernel, int(cells[0]), float(number.group().replace(",", ""))))
    return points


def roofline(spec: GpuSpec, points=(), ax=None):
    """A log-log roofline of `spec` (one roof per precision) with measured points; returns the figure."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    intensity = np.logspace(-1, 4, 200)
    bandwidth = spec.bandwidth_tbs * 1e3  # GB/s
    for precision, peak in spec.peaks.items():
        ax.loglog(intensity, np.minimum(peak * 1e3, bandwidth * intensity), label=f"{precision}: {peak:g} TFLOP/s")
    for kernel in dict.fromkeys(p.kernel for p in points):
        mine = [p for p in points if p.kernel == kernel]
        ax.loglog([p.intensity for p in mine], [p.gflops for p in mine], "o", label=f"measured: {kernel}")
    ax.set(xlabel="arithmetic intensity (FLOP / byte of HBM traffic)", ylabel="GFLOP/s",
           title=f"{spec.name}: {spec.bandwidth_tbs:g} TB/s HBM")
    ax.legend(fontsize=7)
    return ax.figure
