"""The CUDA kernels compile with nvcc alone (compile-only), wherever nvcc exists, GPU or not.

The torch glue lives in cuda/bindings.cpp, so ndarray_cuda.cu needs only the CUDA toolkit; bindings.cpp itself goes
through the C++ front end (-fsyntax-only) against torch's headers, so both follow ops.h without a GPU.
"""
import shutil
import subprocess
import sysconfig
from pathlib import Path

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


def cuda_include():
    """The CUDA toolkit's include folder (cuda_runtime.h), or None."""
    roots = [Path(NVCC).resolve().parent.parent] if NVCC else []
    roots += [Path("/usr/local/cuda")]
    return next((root / "include" for root in roots if (root / "include" / "cuda_runtime.h").exists()), None)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler")
def test_cuda_bindings_pass_the_cpp_front_end_against_torchs_headers(tmp_path):
    """cuda/bindings.cpp (the torch glue: op and reduction names, checks) parses and type-checks, GPU or not."""
    include = cuda_include()
    if include is None:
        pytest.skip("no CUDA toolkit headers (cuda_runtime.h)")
    from torch.utils import cpp_extension

    # A CPU build of torch ships c10/cuda's headers without the one its CMake generates: an empty stand-in.
    stub = tmp_path / "c10" / "cuda" / "impl" / "cuda_cmake_macros.h"
    stub.parent.mkdir(parents=True)
    stub.write_text("#pragma once\n")
    flags = [f"-I{path}" for path in [tmp_path, *cpp_extension.include_paths(), sysconfig.get_paths()["include"], include]]
    result = subprocess.run([shutil.which("c++"), "-std=c++17", "-fsyntax-only", "-DTORCH_EXTENSION_NAME=dlsys_check",
                             *flags, str(KERNELS_DIR / "cuda" / "bindings.cpp")], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
