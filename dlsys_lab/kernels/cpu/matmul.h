// Matrix multiplication on the CPU in four steps a student can compare: naive, tiled, simd, parallel.
// Plain C++ (no torch headers): C (M x N, compact) = A (M x K) @ B (K x N), A and B any strides.
#pragma once
#include <cstdint>

namespace dlsys {

// A read-only strided matrix: element (i, j) is data[i * row_stride + j * col_stride].
template <typename T>
struct MatrixView {
  const T* data;
  int64_t row_stride, col_stride;
  T at(int64_t i, int64_t j) const { return data[i * row_stride + j * col_stride]; }
};

enum MatmulStep : int { NAIVE, TILED, SIMD, PARALLEL, N_STEPS };
#define DLSYS_MATMUL_STEP_NAMES {"naive", "tiled", "simd", "parallel"}

template <typename T>
void matmul(int step, MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k);

}  // namespace dlsys
