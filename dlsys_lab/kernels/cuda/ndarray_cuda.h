// Host-side entry points of the CUDA kernels: plain pointers and sizes, no torch types, so that
// `nvcc -c ndarray_cuda.cu` compiles on its own; bindings.cpp connects them to torch tensors.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace dlsys {
namespace cuda {

constexpr int kMaxDims = 8;

// A loop nest passed to kernels by value: a shape and the strides of up to three operands.
struct Layout {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[3][kMaxDims] = {};
};

enum MatmulStep : int { NAIVE, TILED, VECTORIZED, N_STEPS };
#define DLSYS_CUDA_MATMUL_STEP_NAMES {"naive", "tiled", "vectorized"}

// out (strides: operand 2) = OP(a, b) over the layout; a null a or b reads `scalar` instead.
template <typename T>
cudaError_t ewise(int op, const T* a, const T* b, T scalar, T* out, const Layout& layout, int64_t n, cudaStream_t stream);

// out[o] = sum or max over the `reduced` loop nest, starting at each `kept` position o (operand 0).
template <typename T>
cudaError_t reduce(int reduction, const T* a, const Layout& kept, int64_t n_out, const Layout& reduced, int64_t n_red,
                   T* out, cudaStream_t stream);

// c[i] (m x n, compact) = a[i] @ b[i]; matrix i of a starts at a_offsets[i] (a device array).
// `wide` promises 16-byte aligned compact rows (a_cs == b_cs == 1; k, n, row strides and offsets
// multiples of 4), which lets the vectorized step move four elements per instruction.
template <typename T>
cudaError_t matmul(int step, const T* a, const int64_t* a_offsets, int64_t a_rs, int64_t a_cs, const T* b,
                   const int64_t* b_offsets, int64_t b_rs, int64_t b_cs, T* c, int64_t batch, int64_t m, int64_t n,
                   int64_t k, bool wide, cudaStream_t stream);

}  // namespace cuda
}  // namespace dlsys
