// The CPU matmul, one optimization at a time; `dlsys_lab.kernels.matmul(a, b, step=...)` runs any step
// and bench/kernels.py measures each. Read top to bottom: every step keeps the previous step's idea.
#include "matmul.h"
#include "simd.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace dlsys {
namespace {

// Step 1, naive: one dot product per output element. B is read down a column, so every k touches
// a new cache line; the CPU waits on memory most of the time (about 1 GFLOP/s).
template <typename T>
void matmul_naive(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += a.at(i, p) * b.at(p, j);
      c[i * n + j] = sum;
    }
}

// Step 2, tiled: work on kTile x kTile blocks that stay in cache while they are reused, and order
// the loops i, p, j so the innermost loop walks rows of B and C contiguously; the compiler can then
// vectorize it when B's rows are contiguous. (Lab05_kernels asks students to write this step: in the student
// edition its body is a stub, and the cpu backend runs the step they register; see dlsys_lab/kernels/inline.py.)
template <typename T>
void matmul_tiled(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k) {
  // BEGIN LAB lab05_kernels matmul_tiled
  constexpr int64_t kTile = 64;
  std::fill(c, c + m * n, T(0));
  for (int64_t i0 = 0; i0 < m; i0 += kTile)
    for (int64_t p0 = 0; p0 < k; p0 += kTile)
      for (int64_t j0 = 0; j0 < n; j0 += kTile) {
        const int64_t i1 = std::min(i0 + kTile, m), p1 = std::min(p0 + kTile, k), j1 = std::min(j0 + kTile, n);
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t p = p0; p < p1; ++p) {
            const T a_ip = a.at(i, p);
            T* c_row = c + i * n;
            if (b.col_stride == 1) {
              const T* b_row = b.data + p * b.row_stride;
              for (int64_t j = j0; j < j1; ++j) c_row[j] += a_ip * b_row[j];
            } else {
              for (int64_t j = j0; j < j1; ++j) c_row[j] += a_ip * b.at(p, j);
            }
          }
      }
  // END LAB lab05_kernels
}

// Step 3, simd: the BLIS recipe. A register-blocked micro-kernel keeps a kMR x kNR block of C in
// vector registers (12 of the 16 AVX2 registers) and does one fused multiply-add per loaded value.
// To feed it at full speed, blocks of A and B are first *packed*: copied into buffers laid out in
// exactly the order the micro-kernel reads them (contiguous, aligned, zero-padded at the edges).
// Whatever the strides of A and B, the inner loops then only see unit-stride memory.
template <typename T>
struct Simd : Vec256<T> {  // Vec (8 floats or 4 doubles in one register), load, store, transpose_block
  using typename Vec256<T>::Vec;
  using Vec256<T>::kLanes, Vec256<T>::load, Vec256<T>::store, Vec256<T>::transpose_block;
  static constexpr int kMR = 6, kNR = 2 * kLanes;      // micro-tile of C held in registers
  static constexpr int64_t kKC = 256, kMC = 144, kNC = 4096;  // blocks sized for L1, L2 and L3

  // c (ROWS x cols inside a kMR x kNR tile) = or += packed_a (kMR x kc) @ b (kc x kNR), where row p
  // of b starts at b + p * ldb: ldb = kNR for a packed sliver, B's row stride for one read in place.
  // ROWS is a compile-time constant: an edge tile of fewer rows runs a kernel compiled for exactly
  // that many, so 32 rows cost 5 full tiles and one of 2 rows, not 6 full tiles (36 rows).
  template <int ROWS>
  static void micro_kernel(int64_t kc, const T* __restrict packed_a, const T* __restrict b, int64_t ldb,
                           T* c, int64_t ldc, int cols, bool accumulate) {
    Vec acc[ROWS][2] = {};
    for (int64_t p = 0; p < kc; ++p) {
      const Vec b0 = load(b + p * ldb), b1 = load(b + p * ldb + kLanes);
#pragma GCC unroll 6
      for (int i = 0; i < ROWS; ++i) {
        const T a_ip = packed_a[p * kMR + i];  // broadcast to every lane by the vector multiply
        acc[i][0] += a_ip * b0;
        acc[i][1] += a_ip * b1;
      }
    }
    if (cols == kNR) {
      for (int i = 0; i < ROWS; ++i)
        for (int h = 0; h < 2; ++h) {
          T* dst = c + i * ldc + h * kLanes;
          store(dst, accumulate ? load(dst) + acc[i][h] : acc[i][h]);
        }
      return;
    }
    alignas(32) T tile[ROWS][kNR];  // an edge tile: spill, then copy the valid columns
    for (int i = 0; i < ROWS; ++i) store(tile[i], acc[i][0]), store(tile[i] + kLanes, acc[i][1]);
    for (int i = 0; i < ROWS; ++i)
      for (int j = 0; j < cols; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i][j] : tile[i][j];
  }

  static void micro_kernel(int rows, int64_t kc, const T* packed_a, const T* b, int64_t ldb, T* c, int64_t ldc,
                           int cols, bool accumulate) {
    static_assert(kMR == 6, "one case per row count below");
    switch (rows) {
      case 1: return micro_kernel<1>(kc, packed_a, b, ldb, c, ldc, cols, accumulate);
      case 2: return micro_kernel<2>(kc, packed_a, b, ldb, c, ldc, cols, accumulate);
      case 3: return micro_kernel<3>(kc, packed_a, b, ldb, c, ldc, cols, accumulate);
      case 4: return micro_kernel<4>(kc, packed_a, b, ldb, c, ldc, cols, accumulate);
      case 5: return micro_kernel<5>(kc, packed_a, b, ldb, c, ldc, cols, accumulate);
      default: return micro_kernel<6>(kc, packed_a, b, ldb, c, ldc, cols, accumulate);
    }
  }

  // packed[sliver][p][r]: kMR rows of A at a time, column after column.
  static void pack_a(MatrixView<T> a, int64_t i0, int64_t rows, int64_t p0, int64_t kc, T* packed) {
    for (int64_t s = 0; s < rows; s += kMR, packed += kMR * kc)
      for (int64_t p = 0; p < kc; ++p)
        for (int r = 0; r < kMR; ++r) packed[p * kMR + r] = s + r < rows ? a.at(i0 + s + r, p0 + p) : T(0);
  }

  // packed[sliver][p][c]: kNR columns of B at a time, row after row. With a small M, packing B costs
  // about as much as the product, so full slivers take fast paths: those of a row-major B are not
  // packed at all when few micro-tiles reuse them (the micro-kernel reads B's rows in place; with many
  // reuses, rows a whole stride apart crowd a few cache sets and packing pays) and are copied in whole
  // runs otherwise, and those of a transposed B (columns contiguous) are transposed kLanes x kLanes
  // blocks at a time in registers.
  static bool reads_b_in_place(MatrixView<T> b, int64_t m, int64_t cols) {
    return cols == kNR && b.col_stride == 1 && m <= 6 * kMR;
  }

  static void pack_b_sliver(MatrixView<T> b, int64_t p0, int64_t kc, int64_t j0, int64_t cols, T* packed) {
    const T* origin = b.data + p0 * b.row_stride + j0 * b.col_stride;
    int64_t p = 0;
    if (cols == kNR && b.col_stride == 1) {
      for (; p < kc; ++p) std::memcpy(packed + p * kNR, origin + p * b.row_stride, kNR * sizeof(T));
    } else if (cols == kNR && b.row_stride == 1) {
      for (; p + kLanes <= kc; p += kLanes)
        for (int h = 0; h < kNR; h += kLanes) transpose_block(origin + h * b.col_stride + p, b.col_stride,
                                                              packed + p * kNR + h, kNR);
    }
    for (; p < kc; ++p)  // the general case, and the rows left over by the fast paths
      for (int c = 0; c < kNR; ++c) packed[p * kNR + c] = c < cols ? b.at(p0 + p, j0 + c) : T(0);
  }

  // Step 4, parallel: the same loops with the blocks of A's rows shared out among threads.
  // B's packed panel is filled by all threads together, then read by all of them.
  static void matmul(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k, int threads) {
    const int64_t mc = row_block(m, threads);
    T* packed_b = scratch(0, std::min(kKC, k) * std::min(kNC, round_up(n, kNR)));
    if (threads == 1) return blocks(a, b, c, m, n, k, mc, packed_b);  // no thread team to start and stop
#pragma omp parallel num_threads(threads)
    blocks(a, b, c, m, n, k, mc, packed_b);
  }

  // The loops over blocks of C. Called inside a parallel region, each `omp for` shares its blocks
  // out among the threads; called by one thread alone, that thread runs them all.
  static void blocks(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k, int64_t mc,
                     T* packed_b) {
    const int64_t a_blocks = (m + mc - 1) / mc;
    T* packed_a = scratch(1, round_up(mc, kMR) * std::min(kKC, k));
    for (int64_t j0 = 0; j0 < n; j0 += kNC) {
      const int64_t nc = std::min(kNC, n - j0);
      for (int64_t p0 = 0; p0 < k; p0 += kKC) {
        const int64_t kc = std::min(kKC, k - p0);
#pragma omp for schedule(static)
        for (int64_t s = 0; s < nc; s += kNR)
          if (!reads_b_in_place(b, m, std::min<int64_t>(kNR, nc - s)))
            pack_b_sliver(b, p0, kc, j0 + s, std::min<int64_t>(kNR, nc - s), packed_b + s * kc);
        // (the implicit barrier above: B's panel is complete before anyone reads it)
#pragma omp for schedule(dynamic)
        for (int64_t blk = 0; blk < a_blocks; ++blk) {
          const int64_t i0 = blk * mc, rows = std::min(mc, m - i0);
          pack_a(a, i0, rows, p0, kc, packed_a);
          for (int64_t jr = 0; jr < nc; jr += kNR) {
            const int64_t cols = std::min<int64_t>(kNR, nc - jr);
            const bool in_place = reads_b_in_place(b, m, cols);
            const T* b_sliver = in_place ? b.data + p0 * b.row_stride + j0 + jr : packed_b + jr * kc;
            for (int64_t ir = 0; ir < rows; ir += kMR)
              micro_kernel(std::min<int64_t>(kMR, rows - ir), kc, packed_a + ir * kc, b_sliver,
                           in_place ? b.row_stride : kNR, c + (i0 + ir) * n + j0 + jr, n, cols, p0 > 0);
          }
        }
      }
    }
  }

  static int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

  // This thread's packing buffer number `use`, 64-byte aligned, grown when too small and then kept:
  // a fresh allocation of a few hundred KB on every call costs more than packing a small matrix.
  static T* scratch(int use, int64_t count) {
    struct Buffer {
      std::unique_ptr<T, decltype(&std::free)> data{nullptr, &std::free};
      int64_t count = 0;
    };
    static thread_local Buffer buffers[2];
    Buffer& buffer = buffers[use];
    if (buffer.count < count) {
      buffer.data.reset(static_cast<T*>(std::aligned_alloc(64, round_up(count * sizeof(T), 64))));
      buffer.count = count;
    }
    return buffer.data.get();
  }

  // Rows per block of A: at most kMC (to stay in L2), and a number of blocks that divides evenly
  // among the threads, so no thread idles at the end.
  static int64_t row_block(int64_t m, int threads) {
    int64_t blocks = (m + kMC - 1) / kMC;
    blocks = round_up(std::max<int64_t>(blocks, threads), threads);
    return std::max<int64_t>(kMR, round_up((m + blocks - 1) / blocks, kMR));
  }
};

}  // namespace

template <typename T>
void matmul(int step, MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k) {
  if (m == 0 || n == 0) return;
  if (k == 0) return std::fill(c, c + m * n, T(0));
  switch (step) {
    case NAIVE: return matmul_naive(a, b, c, m, n, k);
    case TILED: return matmul_tiled(a, b, c, m, n, k);
    case SIMD: return Simd<T>::matmul(a, b, c, m, n, k, 1);
    default: {
      // Small products finish before extra threads would even start.
      const bool big = m * n * k >= (int64_t(1) << 18);
      return Simd<T>::matmul(a, b, c, m, n, k, big ? omp_get_max_threads() : 1);
    }
  }
}

template void matmul<float>(int, MatrixView<float>, MatrixView<float>, float*, int64_t, int64_t, int64_t);
template void matmul<double>(int, MatrixView<double>, MatrixView<double>, double*, int64_t, int64_t, int64_t);

}  // namespace dlsys
