// Integer matrix multiplication for quantized models: int8 operands, int32 accumulation.
// Plain C++ (no torch headers): C (M x N, int32, compact) = A (M x K) @ B^T, with B stored N x K like a weight.
#pragma once
#include <cstdint>

namespace dlsys {

void matmul_int8(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t n, int64_t k, int threads);

}  // namespace dlsys
