"""The CUDA kernels compile with nvcc alone (compile-only), wherever nvcc exists, GPU or not.

The torch glue lives in cuda/bindings.cpp, so ndarray_cuda.cu needs only the CUDA toolkit.
"""
import shutil
import subprocess

import pytest

from dlsys_lab.kernels.build import KERNELS_DIR

NVCC = shutil.which("nvcc")


@pytest.mark.slow
@pytest.mark.skipif(NVCC is None, reason="nvcc not found: install the CUDA toolkit to compile the CUDA kernels")
def test_cuda_kernels_compile_with_nvcc(tmp_path):
    source = KERNELS_DIR / "cuda" / "ndarray_cuda.cu"
    result = subprocess.run([NVCC, "-c", "-std=c++17", "-O1", str(source), "-o", str(tmp_path / "ndarray_cuda.o")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ndarray_cuda.o").stat().st_size > 0
