// Strided elementwise ops and reductions on the CPU, in plain C++ (no torch headers).
// Compaction and setitem are the COPY op writing into a strided destination.
#pragma once
#include "../common/walk.h"

namespace dlsys {

// out = OP(a, b) elementwise over `shape`, every operand with its own strides (0 to broadcast).
template <typename T>
void ewise_strided(int op, const T* a, const Dims& a_strides, const T* b, const Dims& b_strides, T* out,
                   const Dims& out_strides, const Dims& shape);

// out[i] = OP(a[i * a_step], b[i * b_step]) for i < n, each step 1 (an array) or 0 (a scalar): the
// compact case, with no loop nest to build; long runs are split among threads.
template <typename T>
void ewise_contiguous(int op, const T* a, int64_t a_step, const T* b, int64_t b_step, T* out, int64_t n);

// out (compact, prod(shape[:n_kept]) elements) = sum or max of `a` over its trailing dimensions.
template <typename T>
void reduce_trailing(int reduction, const T* a, const Dims& shape, const Dims& strides, int64_t n_kept, T* out);

}  // namespace dlsys
