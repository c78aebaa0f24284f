"""Deep-learning accelerators as their makers publish them: peak throughput, on-chip memory, off-chip bandwidth,
interconnect and power, each with its source and the dataflow idea it is built around.

Peaks are dense (no structured sparsity) per chip unless the note says otherwise; None where the maker publishes
no figure. Figures are vendor claims, not measurements: compare them with the roofline of what runs.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Accelerator:
    """One chip (or wafer, or package) and the published figures the lecture compares."""

    name: str
    maker: str
    year: int
    dataflow: str                 # the architectural idea, in a few words
    peak_tflops: dict             # precision -> dense TFLOP/s (TOPS for integer precisions)
    on_chip_mb: float | None      # SRAM (caches, scratchpads, register files where the maker counts them)
    memory_gbs: float | None      # off-chip memory bandwidth, GB/s (None: none on the critical path, or unpublished)
    interconnect: str
    watts: float | None
    source: str
    note: str = ""


TABLE = [
    Accelerator("TPU v1", "Google", 2015, "weight-stationary 256x256 systolic array of 8-bit MACs",
                {"INT8": 92}, 28, 34, "PCIe 3.0 x16", 75,
                "Jouppi et al., In-Datacenter Performance Analysis of a Tensor Processing Unit, ISCA 2017",
                "inference only; 24 MiB unified buffer + 4 MiB accumulators; 40 W measured busy, 75 W TDP"),
    Accelerator("TPU v4", "Google", 2020, "4 MXUs of 128x128 systolic arrays per core, 2 cores; 3D-torus pods",
                {"BF16": 275, "INT8": 275}, 160, 1200, "ICI, optical circuit switches, 4096 chips per pod", 192,
                "Jouppi et al., TPU v4: An Optically Reconfigurable Supercomputer, ISCA 2023",
                "128 MiB CMEM + 32 MiB VMEM/others; 32 GiB HBM2; 192 W max (170 W mean)"),
    Accelerator("TPU v5p", "Google", 2023, "systolic MXUs; 3D torus of 8960 chips",
                {"BF16": 459, "INT8": 918}, None, 2765, "ICI 4800 Gbit/s per chip", None,
                "https://cloud.google.com/tpu/docs/v5p", "95 GB HBM2e"),
    Accelerator("TPU v6e (Trillium)", "Google", 2024, "256x256 systolic MXUs; 2D torus of 256 chips",
                {"BF16": 918, "INT8": 1836}, None, 1640, "ICI 3584 Gbit/s per chip", None,
                "https://cloud.google.com/tpu/docs/v6e", "32 GB HBM"),
    Accelerator("H100 SXM", "NVIDIA", 2022, "SIMT cores + tensor cores (warp-level MMA), async copies (TMA)",
                {"FP32": 67, "TF32": 494.5, "BF16": 989.5, "FP8": 1979}, 50 + 132 * 0.256, 3350,
                "NVLink 4, 900 GB/s", 700,
                "NVIDIA H100 Tensor Core GPU datasheet; Hopper architecture whitepaper",
                "50 MB L2 + 256 KB L1/shared per SM x 132 SMs; 80 GB HBM3"),
    Accelerator("H200 SXM", "NVIDIA", 2024, "the H100 die with more, faster HBM",
                {"FP32": 67, "TF32": 494.5, "BF16": 989.5, "FP8": 1979}, 50 + 132 * 0.256, 4800,
                "NVLink 4, 900 GB/s", 700, "NVIDIA H200 Tensor Core GPU datasheet", "141 GB HBM3e"),
    Accelerator("B200", "NVIDIA", 2024, "two dies as one GPU; tensor cores with FP4/FP6",
                {"TF32": 1100, "BF16": 2250, "FP8": 4500, "FP4": 9000}, None, 8000, "NVLink 5, 1800 GB/s", 1000,
                "NVIDIA DGX B200 / HGX B200 datasheet (per GPU, dense = half the sparse figures)",
                "180-192 GB HBM3e; figures per GPU in an HGX B200 board"),
    Accelerator("MI300X", "AMD", 2023, "chiplets: 8 compute dies over 4 I/O dies with 256 MB Infinity Cache",
                {"FP32": 163.4, "TF32": 653.7, "BF16": 1307.4, "FP8": 2614.9}, 256, 5300,
                "Infinity Fabric, 896 GB/s peer-to-peer", 750, "AMD Instinct MI300X data sheet", "192 GB HBM3"),
    Accelerator("WSE-3 (CS-3)", "Cerebras", 2024, "wafer-scale: 900,000 cores, weights and activations in SRAM",
                {"FP16 (sparse)": 125000}, 44000, None, "SwarmX / MemoryX for weights beyond the wafer", 23000,
                "Cerebras CS-3 product page and Hot Chips 2024",
                "21 PB/s on-wafer memory bandwidth; 125 PFLOP/s is Cerebras' AI (sparse) figure; system power"),
    Accelerator("LPU (GroqChip)", "Groq", 2020, "deterministic, compiler-scheduled streaming dataflow; no caches",
                {"FP16": 188, "INT8": 750}, 230, None, "16 chip-to-chip links, software-scheduled", 375,
                "Abts et al., Think Fast: A Tensor Streaming Processor, ISCA 2020; GroqChip product brief",
                "230 MB SRAM at 80 TB/s; models are spread over many chips instead of HBM"),
    Accelerator("IPU (Bow)", "Graphcore", 2022, "1472 cores with local SRAM, bulk-synchronous (BSP) exchange",
                {"FP16": 350}, 900, None, "IPU-Links, 320 GB/s", None,
                "Graphcore Bow IPU product page; Jia et al., Dissecting the Graphcore IPU, 2019",
                "0.9 GB in-processor memory at 65 TB/s; DRAM is off the chip's critical path"),
    Accelerator("SN40L", "SambaNova", 2023, "reconfigurable dataflow unit; three memory tiers (SRAM, HBM, DDR)",
                {"BF16": 638}, 520, None, "peer-to-peer RDU links", None,
                "Prabhakar et al., SambaNova SN40L, IEEE Micro 2024 / arXiv:2405.07518",
                "520 MB SRAM, 64 GB HBM, up to 1.5 TB DDR per socket (HBM bandwidth left out: not in the source)"),
    Accelerator("Wormhole n300", "Tenstorrent", 2023, "mesh of Tensix cores (RISC-V + matrix engine), Ethernet mesh",
                {"FP8": 466, "FP16": 131}, 192, 576, "200 Gbit/s Ethernet x multiple ports", 300,
                "Tenstorrent Wormhole n300 product page", "two chips per card; 24 GB GDDR6"),
    Accelerator("Trainium2", "AWS", 2024, "NeuronCores with systolic tensor engines; NeuronLink torus",
                {"FP8": 1299, "BF16": 667}, None, 2900, "NeuronLink", None,
                "AWS Trainium product page; Neuron docs, Trainium2 architecture", "96 GB HBM"),
    Accelerator("Inferentia2", "AWS", 2022, "NeuronCores-v2 (tensor, vector, scalar engines) for inference",
                {"BF16": 190, "FP8": 190}, None, 820, "NeuronLink", None,
                "AWS Neuron docs, Inferentia2 architecture", "32 GB HBM; 2 NeuronCores-v2"),
    Accelerator("Neural Engine (M4)", "Apple", 2024, "fixed-function neural accelerator in a unified-memory SoC",
                {"INT8": 38}, None, 120, "on-SoC fabric", None, "Apple M4 announcement (May 2024)",
                "38 TOPS, precision not stated by Apple; shares the SoC's 120 GB/s LPDDR5X"),
]


def ridge(acc: Accelerator, precision: str) -> float | None:
    """FLOPs per byte of off-chip traffic at which `acc` stops being memory bound at `precision` (None: no DRAM)."""
    if acc.memory_gbs is None or precision not in acc.peak_tflops:
        return None
    return acc.peak_tflops[precision] * 1e3 / acc.memory_gbs


def rows():
    """The table as dicts for display (pandas.DataFrame(rows()) or dlsys_lab.compare.table)."""
    out = []
    for acc in TABLE:
        best = max(acc.peak_tflops, key=acc.peak_tflops.get)
        out.append({"chip": acc.name, "maker": acc.maker, "year": acc.year, "dataflow idea": acc.dataflow,
                    "peaks (dense TFLOP/s or TOPS)": ", ".join(f"{p} {v:g}" for p, v in acc.peak_tflops.items()),
                    "on-chip MB": acc.on_chip_mb, "off-chip GB/s": acc.memory_gbs,
                    "ridge at top precision (FLOP/B)": None if ridge(acc, best) is None else round(ridge(acc, best)),
                    "interconnect": acc.interconnect, "W": acc.watts, "source": acc.source})
    return out
