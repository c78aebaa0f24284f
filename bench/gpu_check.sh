#!/usr/bin/env bash
# What a machine with a GPU runs for the `cuda` backend, in one go: build both compiled backends, run the
# tests on device cuda, time the matmul steps against cuBLAS, and run compute-sanitizer over the kernels.
# Usage (repository root, a Python with a CUDA build of torch): bash bench/gpu_check.sh [LOG_DIR]
set -uo pipefail
LOG=${1:-${OUT:-/tmp/dlsys-gpu-check}}
PY=${PYTHON:-python3}
mkdir -p "$LOG"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
export DLSYS_KERNEL_CACHE=${DLSYS_KERNEL_CACHE:-/tmp/dlsys-kernel-cache}
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }
failed=()

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
$PY -c "import sys, torch, numpy; print(sys.version.split()[0], 'torch', torch.__version__, 'CUDA', torch.version.cuda, 'numpy', numpy.__version__)"
nvcc --version | tail -1

step "build"
timeout 400 $PY -m dlsys_lab.kernels.build 2>&1 | tee "$LOG/build.log" || failed+=(build)

step "tests on device cuda"
DEVICE_TESTS="tests/test_ops_vs_torch.py tests/test_gradcheck.py tests/test_higher_order.py tests/test_nn_vs_torch.py
              tests/test_optim_vs_torch.py tests/test_memory.py tests/test_errors.py tests/test_data.py"
timeout 300 $PY -m pytest -q -p no:cacheprovider -n 8 tests/test_gpu.py tests/test_kernels_vs_numpy.py $DEVICE_TESTS \
  -k "cuda or test_gpu" 2>&1 | tee "$LOG/tests.log" || failed+=(tests)

step "the C++ toolchain: kernel errors reach Python, the build cache works"
timeout 200 $PY -m pytest -q -p no:cacheprovider tests/test_ndarray.py tests/test_kernel_build.py 2>&1 \
  | tee "$LOG/toolchain.log" || failed+=(toolchain)

step "matmul against cuBLAS"
timeout 240 $PY bench/kernels.py --gpu 2>&1 | tee "$LOG/bench.log" || failed+=(bench)

step "compute-sanitizer memcheck on every kernel"
timeout 240 compute-sanitizer --tool memcheck --error-exitcode 3 $PY - <<'EOF' 2>&1 | tail -15 | tee "$LOG/sanitizer.log" || failed+=(sanitizer)
import numpy as np
import dlsys_lab.nd as nd
b = nd.device("cuda").backend
x = b.from_numpy(np.random.default_rng(0).standard_normal((2, 131, 260)).astype("float32"))
y = b.from_numpy(np.random.default_rng(1).standard_normal((260, 129)).astype("float32"))
for step in b.ext.MATMUL_STEPS:
    b.to_numpy(b.matmul(x, y, step=step))
    b.to_numpy(b.matmul(x[:, :, :256], b.from_numpy(np.ones((256, 132), "float32")), step=step))
b.to_numpy(b.sum(b.exp(x), (0, 2), False)), b.to_numpy(b.max(x, (1,), True))
b.to_numpy(b.sum(b.from_numpy(np.ones(1 << 20, "float32")), (0,), False))
print("sanitizer script done")
EOF

step "summary"
if ((${#failed[@]})); then echo "FAILED: ${failed[*]}"; exit 1; fi
echo "all GPU checks passed"
