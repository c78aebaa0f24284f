// The int8 GEMM behind dlsys_lab.quant: every output is an exact int32 dot product of two int8 rows.
// Rows of A and of B (a weight, N x K) are both contiguous, so the inner loop widens int8 to int32 and
// multiply-adds; with -march=native the compiler turns it into AVX2 vpmaddwd over 16 lanes at a time.
// Products of int8 values are at most 2^14 in size, so K up to 2^17 cannot overflow the int32 sum.
#include "qmatmul.h"

#include <omp.h>

namespace dlsys {
namespace {

int32_t dot_int8(const int8_t* __restrict x, const int8_t* __restrict w, int64_t k) {
  int32_t sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t p = 0; p < k; ++p) sum += int32_t(x[p]) * int32_t(w[p]);
  return sum;
}

// Four rows of B against one row of A, so each loaded row of A serves four dot products.
void row_block(const int8_t* a_row, const int8_t* b, int32_t* c_row, int64_t n, int64_t k) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const int8_t *w0 = b + j * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (int64_t p = 0; p < k; ++p) {
      const int32_t x = a_row[p];
      s0 += x * w0[p], s1 += x * w1[p], s2 += x * w2[p], s3 += x * w3[p];
    }
    c_row[j] = s0, c_row[j + 1] = s1, c_row[j + 2] = s2, c_row[j + 3] = s3;
  }
  for (; j < n; ++j) c_row[j] = dot_int8(a_row, b + j * k, k);
}

}  // namespace

void matmul_int8(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t n, int64_t k, int threads) {
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t i = 0; i < m; ++i) row_block(a + i * k, b, c + i * n, n, k);
}

}  // namespace dlsys
