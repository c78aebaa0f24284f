// The cpu backend's entry points for bfloat16 and float16 storage (half_ops.cpp); ndarray_cpu.cpp's bindings
// call them when an operand's dtype is one of the two, so the Python side uses the same functions for every dtype.
#pragma once
#include "../common/layout_checks.h"

namespace dlsys {

inline bool is_half(at::ScalarType t) { return t == at::kBFloat16 || t == at::kHalf; }

// out[view] = OP(a, b) computed in float32 and rounded once; a missing operand is `scalar`, itself rounded to
// the storage dtype first (as NumPy does with a Python scalar).
void half_ewise_into(int op, const c10::optional<at::Tensor>& a, const Dims& a_strides, int64_t a_offset,
                     const c10::optional<at::Tensor>& b, const Dims& b_strides, int64_t b_offset, double scalar,
                     const at::Tensor& out, const Dims& out_strides, int64_t out_offset, const Dims& shape);

// Sum or max over the trailing dimensions, accumulated in float32, written (rounded) into the compact `out`.
void half_reduce(int red, const at::Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, int64_t n_kept,
                 const at::Tensor& out);

// out[b] = A[b] @ B[b]: both operands widened to float32, multiplied by the float32 kernel of `step`
// (float32 accumulation), each product rounded once into `out`.
void half_matmul(int step, const at::Tensor& a, const Dims& a_offsets, int64_t a_rs, int64_t a_cs,
                 const at::Tensor& b, const Dims& b_offsets, int64_t b_rs, int64_t b_cs, int64_t m, int64_t n,
                 int64_t k, const at::Tensor& out);

// A compact copy of the strided view converted to `dtype` (float32, float64, bfloat16 or float16).
at::Tensor cast_to(const at::Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, at::ScalarType dtype);

}  // namespace dlsys
