// The `cuda` backend's kernels: strided elementwise ops, reductions and three matmul steps
// (naive; shared-memory tiled; vectorized with larger register blocks and double buffering).
// Elementwise and reduction kernels use one thread per element and grid-stride loops.
#include "../common/ops.h"
#include "ndarray_cuda.h"

namespace dlsys {
namespace cuda {
namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

// The offset of element `linear` (row-major over layout.shape) for operand `op`.
__device__ int64_t offset_of(const Layout& layout, int op, int64_t linear) {
  int64_t offset = 0;
  for (int d = layout.ndim - 1; d >= 0; --d) {
    offset += (linear % layout.shape[d]) * layout.strides[op][d];
    linear /= layout.shape[d];
  }
  return offset;
}

template <int OP, typename T>
__global__ void ewise_kernel(const T* a, const T* b, T scalar, T* out, Layout layout, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const T x = a ? a[offset_of(layout, 0, i)] : scalar;
    const T y = b ? b[offset_of(layout, 1, i)] : scalar;
    out[offset_of(layout, 2, i)] = apply_op<OP>(x, y);
  }
}

template <int RED, typename T>
__device__ T combine(T x, T y) { return RED == SUM ? x + y : ((x != x || x > y) ? x : y); }  // NaN wins, as in NumPy

// Block (o, c) folds chunk c of output o's reduced elements, then the block's threads combine
// their partial results in shared memory, halving the active threads each step.
template <int RED, typename T>
__global__ void reduce_kernel(const T* a, Layout kept, Layout reduced, int64_t n_red, T* out) {
  __shared__ T partial[kThreads];
  const int64_t o = blockIdx.x, chunks = gridDim.y, chunk = blockIdx.y;
  const int64_t lo = n_red * chunk / chunks, hi = n_red * (chunk + 1) / chunks;
  const T* base = a + offset_of(kept, 0, o);
  T acc = RED == SUM ? T(0) : base[offset_of(reduced, 0, lo)];
  for (int64_t r = lo + threadIdx.x; r < hi; r += blockDim.x) acc = combine<RED>(acc, base[offset_of(reduced, 0, r)]);
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] = combine<RED>(partial[threadIdx.x], partial[threadIdx.x + half]);
    __syncthreads();
  }
  if (threadIdx.x == 0) out[o * chunks + chunk] = partial[0];
}

// Step 1, naive: one thread per element of C, reading A and B straight from global memory.
template <typename T>
__global__ void matmul_naive(const T* a, const int64_t* a_offsets, int64_t a_rs, int64_t a_cs, const T* b,
                             const int64_t* b_offsets, int64_t b_rs, int64_t b_cs, T* c, int64_t batch, int64_t m,
                             int64_t n, int64_t k) {
  const int64_t total = batch * m * n;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = (e / n) % m, j = e % n, bi = e / (m * n);
    const T* ap = a + a_offsets[bi] + i * a_rs;
    const T* bp = b + b_offsets[bi] + j * b_cs;
    T sum = 0;
    for (int64_t p = 0; p < k; ++p) sum += ap[p * a_cs] * bp[p * b_rs];
    c[e] = sum;
  }
}

// Step 2, tiled: a block of 16 x 16 threads computes a 64 x 64 tile of C. Each step along k, the
// block copies a 64 x 16 slab of A and a 16 x 64 slab of B into shared memory once, and every
// thread then reuses them for its 4 x 4 outputs held in registers (rows ty + 16 i, cols tx + 16 j,
// so neighbouring threads read neighbouring shared-memory banks and write neighbouring addresses).
constexpr int kTile = 64, kDepth = 16, kSide = 16, kPer = kTile / kSide;

template <typename T>
__global__ void matmul_tiled(const T* a, const int64_t* a_offsets, int64_t a_rs, int64_t a_cs, const T* b,
                             const int64_t* b_offsets, int64_t b_rs, int64_t b_cs, T* c, int64_t batch, int64_t m,
                             int64_t n, int64_t k) {
  __shared__ T a_tile[kDepth][kTile];  // transposed: a_tile[p][i]
  __shared__ T b_tile[kDepth][kTile];
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * kSide + tx;
  const int64_t row0 = int64_t(blockIdx.y) * kTile, col0 = int64_t(blockIdx.x) * kTile;
  for (int64_t bi = blockIdx.z; bi < batch; bi += gridDim.z) {
    const T* ab = a + a_offsets[bi];
    const T* bb = b + b_offsets[bi];
    T acc[kPer][kPer] = {};
    for (int64_t p0 = 0; p0 < k; p0 += kDepth) {
      for (int e = tid; e < kTile * kDepth; e += kSide * kSide) {
        const int ar = e / kDepth, ac = e % kDepth;  // A slab: 64 rows x 16 columns
        const int64_t gi = row0 + ar, gp = p0 + ac;
        a_tile[ac][ar] = gi < m && gp < k ? ab[gi * a_rs + gp * a_cs] : T(0);
        const int br = e / kTile, bc = e % kTile;  // B slab: 16 rows x 64 columns
        const int64_t gq = p0 + br, gj = col0 + bc;
        b_tile[br][bc] = gq < k && gj < n ? bb[gq * b_rs + gj * b_cs] : T(0);
      }
      __syncthreads();
#pragma unroll
      for (int p = 0; p < kDepth; ++p) {
        T a_reg[kPer], b_reg[kPer];
#pragma unroll
        for (int i = 0; i < kPer; ++i) a_reg[i] = a_tile[p][ty + kSide * i], b_reg[i] = b_tile[p][tx + kSide * i];
#pragma unroll
        for (int i = 0; i < kPer; ++i)
#pragma unroll
          for (int j = 0; j < kPer; ++j) acc[i][j] += a_reg[i] * b_reg[j];
      }
      __syncthreads();
    }
    T* cb = c + bi * m * n;
#pragma unroll
    for (int i = 0; i < kPer; ++i)
#pragma unroll
      for (int j = 0; j < kPer; ++j) {
        const int64_t gi = row0 + ty + kSide * i, gj = col0 + tx + kSide * j;
        if (gi < m && gj < n) cb[gi * n + gj] = acc[i][j];
      }
  }
}

// Step 3, vectorized: a block of 256 threads computes a 128 x 128 tile of C, each thread 8 x 8 outputs
// (twice step 2's reuse of every shared-memory read). Rows and columns move four at a time: one
// 16-byte load from global memory per operand and step along k, 16-byte reads of shared memory, 16-byte
// stores of C (kWide: rows of A, B and C are compact and 16-byte aligned; otherwise the same tiling with
// scalar loads). Two shared-memory buffers: while the block multiplies from one, each thread has
// already fetched its part of the next slab into registers and writes it to the other, so one barrier
// per step suffices and the global loads overlap the arithmetic.
constexpr int kBig = 128, kBigDepth = 8, kBigThreads = 256, kHalf = kBig / 2;

template <typename T>
struct alignas(4 * sizeof(T)) Quad {
  T v[4];
};

template <typename T>
__device__ Quad<T>& quad_at(T* p) { return *reinterpret_cast<Quad<T>*>(p); }

// Four consecutive elements of a row (`step` apart), zero outside the matrix.
template <typename T, bool kWide>
__device__ Quad<T> load_quad(const T* row, int64_t col, int64_t cols, int64_t step, bool row_inside) {
  Quad<T> q = {};
  if (kWide) {  // cols is a multiple of 4, so the four are all inside or all outside
    if (row_inside && col < cols) q = *reinterpret_cast<const Quad<T>*>(row + col);
  } else {
#pragma unroll
    for (int i = 0; i < 4; ++i) q.v[i] = row_inside && col + i < cols ? row[(col + i) * step] : T(0);
  }
  return q;
}

template <typename T, bool kWide>
__global__ void __launch_bounds__(kBigThreads, sizeof(T) == 4 ? 2 : 1)  // float32: two blocks per SM
    matmul_vectorized(const T* a, const int64_t* a_offsets, int64_t a_rs, int64_t a_cs, const T* b,
                      const int64_t* b_offsets, int64_t b_rs, int64_t b_cs, T* c, int64_t batch, int64_t m,
                      int64_t n, int64_t k) {
  __shared__ Quad<T> a_store[2][kBigDepth][kBig / 4];  // a_tile[buf][p][i], transposed like step 2
  __shared__ Quad<T> b_store[2][kBigDepth][kBig / 4];
  T(*a_tile)[kBigDepth][kBig] = reinterpret_cast<T(*)[kBigDepth][kBig]>(a_store);
  T(*b_tile)[kBigDepth][kBig] = reinterpret_cast<T(*)[kBigDepth][kBig]>(b_store);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int a_r = tid / 2, a_c = 4 * (tid % 2);   // this thread's quad of the 128 x 8 slab of A
  const int b_r = tid / 32, b_c = 4 * (tid % 32);  // and of the 8 x 128 slab of B
  const int64_t row0 = int64_t(blockIdx.y) * kBig, col0 = int64_t(blockIdx.x) * kBig;
  for (int64_t bi = blockIdx.z; bi < batch; bi += gridDim.z) {
    const T* a_row = a + a_offsets[bi] + (row0 + a_r) * a_rs;
    const T* b_row = b + b_offsets[bi] + b_r * b_rs;
    Quad<T> a_next, b_next;
    const auto fetch = [&](int64_t p0) {
      a_next = load_quad<T, kWide>(a_row, p0 + a_c, k, a_cs, row0 + a_r < m);
      b_next = load_quad<T, kWide>(b_row + p0 * b_rs, col0 + b_c, n, b_cs, p0 + b_r < k);
    };
    const auto put = [&](int buf) {
#pragma unroll
      for (int i = 0; i < 4; ++i) a_tile[buf][a_c + i][a_r] = a_next.v[i];
      quad_at(&b_tile[buf][b_r][b_c]) = b_next;
    };
    T acc[8][8] = {};  // rows 4 ty + i and 64 + 4 ty + i, columns 4 tx + j and 64 + 4 tx + j
    fetch(0);
    put(0);
    __syncthreads();
    for (int64_t p0 = 0, buf = 0; p0 < k; p0 += kBigDepth, buf ^= 1) {
      const bool more = p0 + kBigDepth < k;
      if (more) fetch(p0 + kBigDepth);
#pragma unroll
      for (int p = 0; p < kBigDepth; ++p) {
        const Quad<T> a_lo = quad_at(&a_tile[buf][p][4 * ty]), a_hi = quad_at(&a_tile[buf][p][kHalf + 4 * ty]);
        const Quad<T> b_lo = quad_at(&b_tile[buf][p][4 * tx]), b_hi = quad_at(&b_tile[buf][p][kHalf + 4 * tx]);
#pragma unroll
        for (int i = 0; i < 8; ++i)
#pragma unroll
          for (int j = 0; j < 8; ++j)
            acc[i][j] += (i < 4 ? a_lo.v[i] : a_hi.v[i - 4]) * (j < 4 ? b_lo.v[j] : b_hi.v[j - 4]);
      }
      if (more) put(buf ^ 1);
      __syncthreads();
    }
    T* cb = c + bi * m * n;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const int64_t gi = row0 + (i < 4 ? 4 * ty + i : kHalf + 4 * ty + i - 4);
      if (gi >= m) continue;
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int64_t gj = col0 + half * kHalf + 4 * tx;
        const T* out = acc[i] + 4 * half;
        if (kWide && gj < n) {
          quad_at(cb + gi * n + gj) = Quad<T>{{out[0], out[1], out[2], out[3]}};
        } else {
#pragma unroll
          for (int j = 0; j < 4; ++j)
            if (gj + j < n) cb[gi * n + gj + j] = out[j];
        }
      }
    }
  }
}

}  // namespace

template <typename T>
cudaError_t ewise(int op, const T* a, const T* b, T scalar, T* out, const Layout& layout, int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  dispatch_op(op, [&](auto code) {
    ewise_kernel<decltype(code)::value><<<blocks_for(n), kThreads, 0, stream>>>(a, b, scalar, out, layout, n);
  });
  return cudaGetLastError();
}

template <typename T>
cudaError_t reduce(int reduction, const T* a, const Layout& kept, int64_t n_out, const Layout& reduced, int64_t n_red,
                   T* out, cudaStream_t stream) {
  if (n_out == 0) return cudaSuccess;
  // Few outputs: split each one's elements into chunks reduced by separate blocks, then reduce the chunks.
  int64_t chunks = n_out >= 1024 ? 1 : (n_red + 16 * kThreads - 1) / (16 * kThreads);
  chunks = chunks < 1 ? 1 : (chunks > 1024 ? 1024 : chunks);
  T* partial = out;
  if (chunks > 1) {
    cudaError_t err = cudaMallocAsync(&partial, sizeof(T) * n_out * chunks, stream);
    if (err != cudaSuccess) return err;
  }
  const dim3 grid(static_cast<unsigned>(n_out), static_cast<unsigned>(chunks));
  if (reduction == SUM) reduce_kernel<SUM><<<grid, kThreads, 0, stream>>>(a, kept, reduced, n_red, partial);
  else reduce_kernel<MAX><<<grid, kThreads, 0, stream>>>(a, kept, reduced, n_red, partial);
  cudaError_t err = cudaGetLastError();
  if (chunks > 1) {
    Layout rows, row;  // the partial results: n_out compact rows of `chunks`
    rows.ndim = row.ndim = 1;
    rows.shape[0] = n_out, rows.strides[0][0] = chunks;
    row.shape[0] = chunks, row.strides[0][0] = 1;
    if (err == cudaSuccess) err = reduce(reduction, partial, rows, n_out, row, chunks, out, stream);
    cudaFreeAsync(partial, stream);
  }
  return err;
}

template <typename T>
cudaError_t matmul(int step, const T* a, const int64_t* a_offsets, int64_t a_rs, int64_t a_cs, const T* b,
                   const int64_t* b_offsets, int64_t b_rs, int64_t b_cs, T* c, int64_t batch, int64_t m, int64_t n,
                   int64_t k, bool wide, cudaStream_t stream) {
  if (batch * m * n == 0) return cudaSuccess;
  if (step == NAIVE) {
    matmul_naive<<<blocks_for(batch * m * n), kThreads, 0, stream>>>(a, a_offsets, a_rs, a_cs, b, b_offsets, b_rs,
                                                                     b_cs, c, batch, m, n, k);
  } else if (step == TILED) {
    const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((m + kTile - 1) / kTile),
                    static_cast<unsigned>(batch < 65535 ? batch : 65535));
    matmul_tiled<<<grid, dim3(kSide, kSide), 0, stream>>>(a, a_offsets, a_rs, a_cs, b, b_offsets, b_rs, b_cs, c, batch,
                                                          m, n, k);
  } else {
    const dim3 grid(static_cast<unsigned>((n + kBig - 1) / kBig), static_cast<unsigned>((m + kBig - 1) / kBig),
                    static_cast<unsigned>(batch < 65535 ? batch : 65535));
    if (wide) {
      matmul_vectorized<T, true><<<grid, kBigThreads, 0, stream>>>(a, a_offsets, a_rs, a_cs, b, b_offsets, b_rs, b_cs,
                                                                   c, batch, m, n, k);
    } else {
      matmul_vectorized<T, false><<<grid, kBigThreads, 0, stream>>>(a, a_offsets, a_rs, a_cs, b, b_offsets, b_rs, b_cs,
                                                                    c, batch, m, n, k);
    }
  }
  return cudaGetLastError();
}

#define DLSYS_INSTANTIATE(T)                                                                                    \
  template cudaError_t ewise<T>(int, const T*, const T*, T, T*, const Layout&, int64_t, cudaStream_t);          \
  template cudaError_t reduce<T>(int, const T*, const Layout&, int64_t, const Layout&, int64_t, T*, cudaStream_t); \
  template cudaError_t matmul<T>(int, const T*, const int64_t*, int64_t, int64_t, const T*, const int64_t*,      \
                                 int64_t, int64_t, T*, int64_t, int64_t, int64_t, int64_t, bool, cudaStream_t);
DLSYS_INSTANTIATE(float)
DLSYS_INSTANTIATE(double)
#undef DLSYS_INSTANTIATE

}  // namespace cuda
}  // namespace dlsys
