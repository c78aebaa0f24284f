// Walking strided arrays on the CPU: row segment by row segment, split among OpenMP threads.
// The loop nest itself (common/walk.h) has its back-to-back dimensions merged already.
#pragma once
#include <omp.h>

#include "../common/walk.h"

namespace dlsys {

constexpr int64_t kParallelGrain = 1 << 18;  // below this many elements, threads cost more than they save

// Visits elements [begin, end) in row-major order, one inner row segment at a time:
// row(offsets, length) gets each operand's offset of the segment's first element.
template <typename RowFn>
void walk_range(const Walk& w, int64_t begin, int64_t end, RowFn&& row) {
  const int nd = static_cast<int>(w.shape.size());
  if (begin >= end) return;
  Dims index(nd);
  int64_t offsets[kMaxOperands] = {0, 0, 0};
  int64_t linear = begin;
  for (int d = nd - 1; d >= 0; --d) {  // the multi-index of `begin`
    index[d] = linear % w.shape[d];
    linear /= w.shape[d];
    for (int k = 0; k < w.n_ops; ++k) offsets[k] += index[d] * w.strides[k][d];
  }
  const int64_t inner = w.shape[nd - 1];
  while (begin < end) {
    const int64_t len = std::min(inner - index[nd - 1], end - begin);
    row(offsets, len);
    begin += len;
    index[nd - 1] += len;
    for (int k = 0; k < w.n_ops; ++k) offsets[k] += len * w.strides[k][nd - 1];
    for (int d = nd - 1; d > 0 && index[d] == w.shape[d]; --d) {  // carry, like an odometer
      index[d] = 0;
      ++index[d - 1];
      for (int k = 0; k < w.n_ops; ++k)
        offsets[k] += w.strides[k][d - 1] - w.shape[d] * w.strides[k][d];
    }
  }
}

// Splits the walk into one contiguous range of elements per thread.
template <typename RowFn>
void parallel_walk(const Walk& w, RowFn&& row) {
  const int64_t n = w.size();
  if (n < kParallelGrain || omp_get_max_threads() == 1) {
    walk_range(w, 0, n, row);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), threads = omp_get_num_threads();
    walk_range(w, n * t / threads, n * (t + 1) / threads, row);
  }
}

}  // namespace dlsys
