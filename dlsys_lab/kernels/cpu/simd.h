// 256-bit vectors through GCC's vector extensions (AVX2 with -march=native, plain loops elsewhere):
// unaligned load and store, and an in-register transpose, shared by the matmul and elementwise kernels.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

namespace dlsys {

template <typename T>
struct Vec256 {
  static constexpr int kLanes = 32 / sizeof(T);  // one 256-bit register: 8 floats or 4 doubles
  typedef T Vec __attribute__((vector_size(32)));
  typedef std::conditional_t<sizeof(T) == 4, int32_t, int64_t> Index;  // a lane index, as wide as T
  typedef Index IndexVec __attribute__((vector_size(32)));

  static Vec load(const T* p) { Vec v; std::memcpy(&v, p, sizeof v); return v; }
  static void store(T* p, Vec v) { std::memcpy(p, &v, sizeof v); }

  // Transposes a kLanes x kLanes block held in registers: at each step D (1, 2, 4) every pair of
  // rows (i, i + D) swaps its off-diagonal D x D sub-blocks, one constant shuffle per row.
  static void transpose(Vec (&rows)[kLanes]) {
    constexpr auto lanes = std::make_index_sequence<kLanes>();
    transpose_step<1>(rows, lanes);
    transpose_step<2>(rows, lanes);
    if constexpr (kLanes == 8) transpose_step<4>(rows, lanes);
  }

  // Copies a kLanes x kLanes block whose columns are contiguous (column c at src + c * ld) into
  // rows of dst (row r at dst + r * dst_ld): a transpose through registers, whole vectors at a time.
  static void transpose_block(const T* src, int64_t ld, T* dst, int64_t dst_ld) {
    Vec block[kLanes];
    for (int c = 0; c < kLanes; ++c) block[c] = load(src + c * ld);
    transpose(block);
    for (int r = 0; r < kLanes; ++r) store(dst + r * dst_ld, block[r]);
  }

 private:
  template <int D, std::size_t... L>
  static void transpose_step(Vec (&rows)[kLanes], std::index_sequence<L...>) {
    // Shuffle indices count the lanes of `upper` then those of `lower`: 0 .. 2 * kLanes - 1.
    constexpr IndexVec low{Index((L & D) ? kLanes + L - D : L)...}, high{Index((L & D) ? kLanes + L : L + D)...};
    for (int i = 0; i < kLanes; ++i)
      if (!(i & D)) {
        const Vec upper = rows[i], lower = rows[i + D];
        rows[i] = __builtin_shuffle(upper, lower, low);
        rows[i + D] = __builtin_shuffle(upper, lower, high);
      }
  }
};

}  // namespace dlsys
