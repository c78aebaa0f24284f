"""GPU occupancy by CUDA's rules: NVIDIA's own worked examples, hand-worked ones, and `cuxray occupancy` on a
table of cases; the published peaks and the roofline with our measured CUDA matmul points."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlsys_lab.hardware import gpu


def test_cuda_best_practices_guide_examples():
    # CUDA C++ Best Practices Guide, "Calculating Occupancy": on compute capability 7.0, 128-thread blocks with
    # 37 registers per thread give 75% occupancy (12 blocks); 320-thread blocks with 37 registers give 63% (4 blocks).
    small, large = gpu.occupancy(128, 37, 0, "sm_70"), gpu.occupancy(320, 37, 0, "sm_70")
    assert (small.blocks_per_sm, small.occupancy) == (12, 0.75) and small.limiter == "registers"
    assert large.blocks_per_sm == 4 and large.occupancy == 40 / 64  # 62.5%, which the guide rounds to 63%
    # Same guide: with 64K registers and 2048 threads per SM, 100% occupancy allows at most 32 registers a thread.
    assert gpu.occupancy(256, 32, 0, "sm_70").occupancy == 1.0
    assert gpu.occupancy(256, 33, 0, "sm_70").occupancy < 1.0


def test_hand_worked_examples_on_sm_80_and_sm_90():
    # 256 threads = 8 warps; 64 registers -> 2048 per warp; 16K registers per sub-partition hold 8 warps, 32 per SM
    # -> 4 blocks = 32 of 64 warps: 50%, limited by registers.
    occ = gpu.occupancy(256, 64, 0, "sm_90")
    assert (occ.blocks_per_sm, occ.active_warps, occ.occupancy, occ.limiter) == (4, 32, 0.5, "registers")
    # 48 KB of shared memory + the 1 KB the runtime reserves = 50,176 bytes a block; 233,472 / 50,176 -> 4 blocks
    # on sm_90 (228 KB), 167,936 / 50,176 -> 3 blocks on sm_80 (164 KB). 128 threads, 32 registers: no other limit.
    assert gpu.occupancy(128, 32, 48 * 1024, "sm_90").limits["shared memory"] == 4
    occ80 = gpu.occupancy(128, 32, 48 * 1024, "sm_80")
    assert (occ80.blocks_per_sm, occ80.active_warps, occ80.limiter) == (3, 12, "shared memory")
    # 1 byte of shared memory still costs a 128-byte unit plus the reserved 1 KB: 233,472 / 1,152 = 202 > 32 blocks.
    assert gpu.occupancy(32, 16, 1, "sm_90").limits["shared memory"] == 202
    # 32-thread blocks, few registers: 32 blocks per SM x 1 warp = 32 of 64 warps, the block slots are the limit.
    occ = gpu.occupancy(32, 16, 0, "sm_80")
    assert (occ.blocks_per_sm, occ.occupancy, occ.limiter) == (32, 0.5, "blocks")
    # 1024-thread blocks with 255 registers: 32 warps x 8192 registers do not fit in 64K -> the kernel cannot launch.
    assert gpu.occupancy(1024, 255, 0, "sm_90").blocks_per_sm == 0


def test_bad_configurations_are_refused_with_the_limit():
    with pytest.raises(ValueError, match="1 to 1024"):
        gpu.occupancy(2048, 32, 0)
    with pytest.raises(ValueError, match="0 to 255"):
        gpu.occupancy(128, 300, 0)
    with pytest.raises(ValueError, match="0 to 232448"):
        gpu.occupancy(128, 32, 240_000)
    with pytest.raises(ValueError, match="unknown arch 'sm_99'; known: sm_70"):
        gpu.occupancy(128, 32, 0, "sm_99")


# cuxray 0.6 knows compute capability 7.5 and later (not 7.0, which the Best Practices example above covers).
CASES = [(threads, regs, smem, arch) for arch in ("sm_75", "sm_80", "sm_86", "sm_89", "sm_90")
         for threads, regs, smem in [(32, 16, 0), (64, 255, 0), (96, 40, 3000), (128, 37, 0), (192, 72, 20_000),
                                     (256, 64, 0), (320, 37, 0), (512, 32, 16_384), (640, 48, 1), (768, 80, 0),
                                     (1024, 32, 48 * 1024), (1024, 64, 0), (128, 24, 65_000)]]


cuxray = pytest.importorskip("cuxray", reason="cuxray is not installed (pip install -e '.[test]')")


@pytest.mark.parametrize("threads, regs, smem, arch", CASES)
def test_occupancy_agrees_with_cuxray(threads, regs, smem, arch):
    from cuxray.archspec import lookup
    from cuxray.occupancy import compute  # what `cuxray occupancy` prints, without a process per case

    spec = gpu.ARCHS[arch]
    if smem > spec.max_shared_per_block:
        pytest.skip(f"{smem} bytes exceed {arch}'s {spec.max_shared_per_block} per block")
    theirs = compute(lookup(arch), regs, threads, smem_static=smem)
    ours = gpu.occupancy(threads, regs, smem, arch)
    assert (ours.blocks_per_sm, ours.active_warps) == (theirs.blocks_per_sm, theirs.active_warps), theirs


def test_the_cuxray_command_line_gives_the_same_answer():
    command = shutil.which("cuxray") or str(Path(sys.executable).with_name("cuxray"))
    done = subprocess.run([command, "occupancy", "--arch", "sm_90", "--regs", "64", "--threads", "256",
                           "--smem", str(48 * 1024), "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    theirs, ours = json.loads(done.stdout), gpu.occupancy(256, 64, 48 * 1024, "sm_90")
    assert (theirs["blocks_per_sm"], theirs["active_warps"]) == (ours.blocks_per_sm, ours.active_warps)


def test_published_peaks_and_the_measured_points():
    h200 = gpu.GPUS["H200 SXM"]
    assert h200.bandwidth_tbs == 4.8 and h200.peaks["BF16 tensor"] == pytest.approx(2 * h200.peaks["TF32 tensor"], rel=1e-3)
    points = gpu.measured_matmul_points()
    kernels = {p.kernel for p in points}
    assert {"torch", "naive", "tiled", "vectorized"} <= kernels
    vectorized_4096 = next(p for p in points if p.kernel == "vectorized" and p.n == 4096)
    assert vectorized_4096.intensity == pytest.approx(4096 / 6)
    for p in points:  # every measured float32 point lies under the FP32 roof at its intensity
        assert p.gflops <= min(h200.peaks["FP32"] * 1e3, h200.bandwidth_tbs * 1e3 * p.intensity)
    fig = gpu.roofline(h200, points)
    assert len(fig.axes[0].lines) == len(h200.peaks) + len(kernels)
