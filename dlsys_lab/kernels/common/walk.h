// The loop nest over a strided array shared by up to three operands, with its dimensions merged.
// Compact operands collapse to one long row; both the C++ and the CUDA backends start from it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace dlsys {

constexpr int kMaxOperands = 3;

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

// Row-major strides of a compact array of this shape.
inline Dims compact_strides(const Dims& shape) {
  Dims strides(shape.size());
  int64_t step = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) strides[d] = step, step *= std::max<int64_t>(shape[d], 1);
  return strides;
}

// The number of elements of this shape.
inline int64_t numel(const Dims& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

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

}  // namespace dlsys
