// Walking strided arrays on the CPU: one loop nest shared by up to three operands.
// Dimensions that are laid out back to back are merged first, so compact arrays become one long row.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace dlsys {

constexpr int kMaxOperands = 3;
constexpr int64_t kParallelGrain = 1 << 15;  // below this many elements, threads cost more than they save

using Dims = std::vector<int64_t>;

// The loop nest: a shape and, for each operand, its strides (in elements) and offset.
struct Walk {
  Dims shape;
  Dims strides[kMaxOperands];
  int n_ops = 0;

  int64_t size() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
  }
  int64_t inner_stride(int op) const { return strides[op].back(); }
};

// Drops size-1 dimensions and merges an outer dimension into the next inner one whenever every
// operand steps over the inner one exactly (stride_outer == stride_inner * size_inner).
inline Walk make_walk(const Dims& shape, std::initializer_list<const Dims*> strides) {
  Walk w;
  w.n_ops = static_cast<int>(strides.size());
  const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
  for (size_t d = 0; d < shape.size() && !empty; ++d) {
    if (shape[d] == 1) continue;
    bool merge = !w.shape.empty();
    int k = 0;
    for (const Dims* s : strides) merge = merge && w.strides[k++].back() == (*s)[d] * shape[d];
    if (merge) w.shape.back() *= shape[d];
    else w.shape.push_back(shape[d]);
    k = 0;
    for (const Dims* s : strides) {
      if (merge) w.strides[k].back() = (*s)[d];
      else w.strides[k].push_back((*s)[d]);
      ++k;
    }
  }
  if (w.shape.empty()) {  // a single element, or none at all
    w.shape.push_back(empty ? 0 : 1);
    for (int k = 0; k < w.n_ops; ++k) w.strides[k].push_back(0);
  }
  return w;
}

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
