// The CPU elementwise and reduction kernels: each walks its operands' strides row segment by row
// segment (strided.h), with unit-stride inner loops written so the compiler vectorizes them.
#include "elementwise.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "../common/ops.h"
#include "simd.h"
#include "strided.h"

namespace dlsys {
namespace {

// True when operand k of a matrix walk steps further along its rows than down its columns (a
// transposed view): row by row, it would touch a new cache line at every element. A row broadcast
// down the columns (stride 0, like a bias) is not: every row reads the same cache lines.
inline bool is_transposed(const Walk& w, int k) {
  const int64_t down = std::abs(w.strides[k][0]), along = std::abs(w.strides[k][1]);
  return w.shape.size() == 2 && down != 0 && along > down;
}

// po[i * so] = OP(pa[i * sa], pb[i * sb]) for i < len. Unit strides and scalars (stride 0) get
// their own loops so the compiler vectorizes them.
template <int OP, typename T>
inline void ewise_row(const T* pa, int64_t sa, const T* pb, int64_t sb, T* po, int64_t so, int64_t len) {
  if (so == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < len; ++i) po[i] = apply_op<OP>(pa[i], pb[i]);
  } else if (so == 1 && sa == 1 && sb == 0) {
    const T vb = *pb;
    for (int64_t i = 0; i < len; ++i) po[i] = apply_op<OP>(pa[i], vb);
  } else if (so == 1 && sa == 0 && sb == 1) {
    const T va = *pa;
    for (int64_t i = 0; i < len; ++i) po[i] = apply_op<OP>(va, pb[i]);
  } else {
    for (int64_t i = 0; i < len; ++i) po[i * so] = apply_op<OP>(pa[i * sa], pb[i * sb]);
  }
}

constexpr int64_t kTile = 32;  // of the transposed walk: three tiles of doubles fit in L1

// Copies a tile of a transposed operand into the row-major buffer, reading down its columns. Full
// tiles of a plain transpose (columns contiguous) go through registers, a vector block at a time.
template <typename T>
void stage_tile(const T* origin, int64_t s0, int64_t s1, int64_t height, int64_t width, T* buffer) {
  using V = Vec256<T>;
  if (s0 == 1 && height == kTile && width == kTile) {
    for (int64_t j = 0; j < kTile; j += V::kLanes)
      for (int64_t i = 0; i < kTile; i += V::kLanes)
        V::transpose_block(origin + j * s1 + i, s1, buffer + i * kTile + j, kTile);
    return;
  }
  for (int64_t j = 0; j < width; ++j)
    for (int64_t i = 0; i < height; ++i) buffer[i * kTile + j] = origin[i * s0 + j * s1];
}

// OP over a matrix walk with a transposed operand, in kTile x kTile tiles. A transposed input's tile
// is first copied into a row-major buffer, reading it along its contiguous direction (a transposed
// output is written back the same way), so every cache line is used whole and the op itself runs
// on unit-stride rows that the compiler vectorizes.
template <int OP, typename T>
void ewise_tiled(const T* a, const T* b, T* out, const Walk& w) {
  const int64_t rows = w.shape[0], cols = w.shape[1];
  const bool staged[3] = {is_transposed(w, 0), is_transposed(w, 1), is_transposed(w, 2)};
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelGrain)
  for (int64_t i0 = 0; i0 < rows; i0 += kTile) {
    alignas(64) T buffer[3][kTile * kTile];
    for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
      const int64_t height = std::min(kTile, rows - i0), width = std::min(kTile, cols - j0);
      const T* in[2] = {a, b};
      const T* tile[2];
      int64_t row_step[2], col_step[2];  // of each input's tile, in memory or in its buffer
      for (int k = 0; k < 2; ++k) {
        const int64_t s0 = w.strides[k][0], s1 = w.strides[k][1];
        const T* origin = in[k] + i0 * s0 + j0 * s1;
        if (staged[k]) {
          stage_tile(origin, s0, s1, height, width, buffer[k]);
          tile[k] = buffer[k], row_step[k] = kTile, col_step[k] = 1;
        } else {
          tile[k] = origin, row_step[k] = s0, col_step[k] = s1;
        }
      }
      const int64_t o0 = w.strides[2][0], o1 = w.strides[2][1];
      T* out_tile = out + i0 * o0 + j0 * o1;
      for (int64_t i = 0; i < height; ++i)
        ewise_row<OP>(tile[0] + i * row_step[0], col_step[0], tile[1] + i * row_step[1], col_step[1],
                      staged[2] ? buffer[2] + i * kTile : out_tile + i * o0, staged[2] ? 1 : o1, width);
      if (staged[2])
        for (int64_t j = 0; j < width; ++j)
          for (int64_t i = 0; i < height; ++i) out_tile[i * o0 + j * o1] = buffer[2][i * kTile + j];
    }
  }
}

// out[i] = OP(a[i], b[i]) over `shape`; an operand that is absent is the scalar, with stride 0.
template <int OP, typename T>
void ewise_kernel(const T* a, const Dims& as, const T* b, const Dims& bs, T* out, const Dims& os, const Dims& shape) {
  const Walk w = make_walk(shape, {&as, &bs, &os});
  if (is_transposed(w, 0) || is_transposed(w, 1) || is_transposed(w, 2)) return ewise_tiled<OP>(a, b, out, w);
  const int64_t sa = w.inner_stride(0), sb = w.inner_stride(1), so = w.inner_stride(2);
  parallel_walk(w, [&](const int64_t* off, int64_t len) {
    ewise_row<OP>(a + off[0], sa, b + off[1], sb, out + off[2], so, len);
  });
}

// One row's sum or max, vectorized: `omp simd reduction` lets the compiler reorder the additions.
// Sums go through blocks of 1024 in T, then into a double, so float32 sums stay accurate.
template <int RED, typename T>
T reduce_row(const T* p, int64_t n, int64_t stride) {
  if (RED == MAX) {  // a NaN anywhere makes the max NaN, as in NumPy; `nan` is counted beside the vector max
    T best = p[0];
    int nan = 0;
    if (stride == 1) {
#pragma omp simd reduction(max : best) reduction(| : nan)
      for (int64_t i = 0; i < n; ++i) {
        best = p[i] > best ? p[i] : best;
        nan |= p[i] != p[i];
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        best = p[i * stride] > best ? p[i * stride] : best;
        nan |= p[i * stride] != p[i * stride];
      }
    }
    return nan ? std::numeric_limits<T>::quiet_NaN() : best;
  }
  double total = 0;
  for (int64_t b0 = 0; b0 < n; b0 += 1024) {
    const int64_t b1 = std::min(n, b0 + 1024);
    T block = 0;
    if (stride == 1) {
#pragma omp simd reduction(+ : block)
      for (int64_t i = b0; i < b1; ++i) block += p[i];
    } else {
      for (int64_t i = b0; i < b1; ++i) block += p[i * stride];
    }
    total += block;
  }
  return static_cast<T>(total);
}

template <int RED, typename T>
T combine(T x, T y) { return RED == SUM ? x + y : ((x != x || x > y) ? x : y); }  // NaN wins

// Reduces the trailing dimensions of (shape, strides): out has prod(shape[:n_kept]) elements.
template <int RED, typename T>
void reduce_kernel(const T* a, const Dims& shape, const Dims& strides, int64_t n_kept, T* out) {
  const Dims kept_shape(shape.begin(), shape.begin() + n_kept), kept_strides(strides.begin(), strides.begin() + n_kept);
  const Dims red_shape(shape.begin() + n_kept, shape.end()), red_strides(strides.begin() + n_kept, strides.end());
  const Walk red = make_walk(red_shape, {&red_strides});
  const int64_t n_out = numel(kept_shape), n_red = red.size();
  const int64_t kept_stride = n_kept ? std::abs(kept_strides[n_kept - 1]) : 0;
  if (red.shape.size() == 1 && (n_out == 1 || std::abs(red.inner_stride(0)) <= kept_stride)) {
    // Each output reduces one evenly strided row, the inner dimension in memory: threads split the
    // outputs, or a long single row. (A column sum instead takes the memory-order path below.)
    const int64_t stride = red.inner_stride(0);
    const Walk kept = make_walk(kept_shape, {&kept_strides});
    const int threads = n_out * n_red < kParallelGrain ? 1 : omp_get_max_threads();
    if (n_out >= threads) {
      // Thread t of nt reduces its share of the outputs; one thread alone needs no team started.
      const auto share = [&](int64_t t, int64_t nt) {
        int64_t o = n_out * t / nt;
        walk_range(kept, o, n_out * (t + 1) / nt, [&](const int64_t* off, int64_t len) {
          for (int64_t i = 0; i < len; ++i, ++o) out[o] = reduce_row<RED>(a + off[0] + i * kept.inner_stride(0), n_red, stride);
        });
      };
      if (threads == 1) return share(0, 1);
#pragma omp parallel num_threads(threads)
      share(omp_get_thread_num(), omp_get_num_threads());
    } else {
      for (int64_t o = 0; o < n_out; ++o) {
        int64_t rest = o, base = 0;
        for (int64_t d = n_kept - 1; d >= 0; --d) base += (rest % kept_shape[d]) * kept_strides[d], rest /= kept_shape[d];
        std::vector<T> partial(threads);
#pragma omp parallel num_threads(threads)
        {
          const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
          const int64_t lo = n_red * t / nt, hi = n_red * (t + 1) / nt;
          partial[t] = reduce_row<RED>(a + base + lo * stride, hi - lo, stride);
        }
        T acc = partial[0];
        for (int t = 1; t < threads; ++t) acc = combine<RED>(acc, partial[t]);
        out[o] = acc;
      }
    }
    return;
  }
  // General layout: fold every element into its output in memory order (dimensions sorted by
  // stride), with the output's strides 0 along the reduced axes.
  std::fill(out, out + n_out, RED == SUM ? T(0) : -std::numeric_limits<T>::infinity());
  Dims order(shape.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return std::abs(strides[x]) > std::abs(strides[y]); });
  const Dims out_strides_kept = compact_strides(kept_shape);
  Dims s_shape, s_in, s_out;
  for (int64_t d : order) {
    s_shape.push_back(shape[d]);
    s_in.push_back(strides[d]);
    s_out.push_back(d < n_kept ? out_strides_kept[d] : 0);
  }
  const Walk all = make_walk(s_shape, {&s_in, &s_out});
  const int64_t si = all.inner_stride(0), so = all.inner_stride(1);
  walk_range(all, 0, all.size(), [&](const int64_t* off, int64_t len) {
    if (so == 0) {
      out[off[1]] = combine<RED>(out[off[1]], reduce_row<RED>(a + off[0], len, si));
    } else {
      for (int64_t i = 0; i < len; ++i) out[off[1] + i * so] = combine<RED>(out[off[1] + i * so], a[off[0] + i * si]);
    }
  });
}

}  // namespace

template <typename T>
void ewise_strided(int op, const T* a, const Dims& a_strides, const T* b, const Dims& b_strides, T* out,
                   const Dims& out_strides, const Dims& shape) {
  dispatch_op(op, [&](auto code) { ewise_kernel<decltype(code)::value>(a, a_strides, b, b_strides, out, out_strides, shape); });
}

template <typename T>
void ewise_contiguous(int op, const T* a, int64_t a_step, const T* b, int64_t b_step, T* out, int64_t n) {
  dispatch_op(op, [&](auto code) {
    constexpr int OP = decltype(code)::value;
    if (n < kParallelGrain || omp_get_max_threads() == 1) return ewise_row<OP>(a, a_step, b, b_step, out, 1, n);
#pragma omp parallel
    {
      const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads(), lo = n * t / nt, hi = n * (t + 1) / nt;
      ewise_row<OP>(a + lo * a_step, a_step, b + lo * b_step, b_step, out + lo, 1, hi - lo);
    }
  });
}

template <typename T>
void reduce_trailing(int reduction, const T* a, const Dims& shape, const Dims& strides, int64_t n_kept, T* out) {
  if (reduction == SUM) reduce_kernel<SUM>(a, shape, strides, n_kept, out);
  else reduce_kernel<MAX>(a, shape, strides, n_kept, out);
}

#define DLSYS_INSTANTIATE(T)                                                                               \
  template void ewise_strided<T>(int, const T*, const Dims&, const T*, const Dims&, T*, const Dims&, const Dims&); \
  template void ewise_contiguous<T>(int, const T*, int64_t, const T*, int64_t, T*, int64_t);                       \
  template void reduce_trailing<T>(int, const T*, const Dims&, const Dims&, int64_t, T*);
DLSYS_INSTANTIATE(float)
DLSYS_INSTANTIATE(double)
#undef DLSYS_INSTANTIATE

}  // namespace dlsys
