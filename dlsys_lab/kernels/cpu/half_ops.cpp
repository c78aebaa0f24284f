// bfloat16 and float16 storage with float32 arithmetic on the CPU (see half.h for the conversions).
// Elementwise ops convert, compute and round element by element; reductions and matmul widen their operands
// to float32 buffers and reuse the float32 kernels of elementwise.cpp and matmul.cpp, then round the result.
#include "half_ops.h"

#include "../common/ops.h"
#include "elementwise.h"
#include "half.h"
#include "matmul.h"

#include <omp.h>

#include <algorithm>
#include <memory>

namespace dlsys {
namespace {

constexpr int64_t kGrain = int64_t(1) << 15;  // elements below which one thread does the whole map

// out = OP(load(a), load(b)) stored as Out, over a merged loop nest; rows (or chunks of long rows) run in parallel.
template <int OP, typename In, typename Out>
void strided_map(const typename In::storage* a, const Dims& a_strides, const typename In::storage* b,
                 const Dims& b_strides, typename Out::storage* out, const Dims& out_strides, const Dims& shape) {
  const Walk w = make_walk(shape, {&a_strides, &b_strides, &out_strides});
  const int nd = static_cast<int>(w.shape.size());
  const int64_t inner = w.shape.back(), total = w.size();
  if (total == 0) return;
  const int64_t rows = total / inner, sa = w.strides[0][nd - 1], sb = w.strides[1][nd - 1], so = w.strides[2][nd - 1];
  // few long rows (a compact array is one row): split each row into chunks, so that threads share the work
  const int64_t chunks = rows >= 64 ? 1 : std::max<int64_t>(1, inner / kGrain), piece = (inner + chunks - 1) / chunks;
#pragma omp parallel for if (total >= kGrain && omp_get_max_threads() > 1)
  for (int64_t unit = 0; unit < rows * chunks; ++unit) {
    const int64_t r = unit / chunks, lo = (unit % chunks) * piece, hi = std::min(inner, lo + piece);
    int64_t rem = r, oa = 0, ob = 0, oo = 0;
    for (int d = nd - 2; d >= 0; --d) {
      const int64_t i = rem % w.shape[d];
      rem /= w.shape[d];
      oa += i * w.strides[0][d], ob += i * w.strides[1][d], oo += i * w.strides[2][d];
    }
    for (int64_t j = lo; j < hi; ++j)
      out[oo + j * so] = Out::store(apply_op<OP, float>(In::load(a[oa + j * sa]), In::load(b[ob + j * sb])));
  }
}

template <typename In, typename Out>
void convert(const typename In::storage* a, const Dims& strides, typename Out::storage* out, const Dims& shape) {
  strided_map<COPY, In, Out>(a, strides, a, strides, out, compact_strides(shape), shape);
}

// Calls f(Kind{}) with BF16 or F16 for a half dtype.
template <typename F>
void dispatch_half(at::ScalarType t, F&& f) {
  if (t == at::kBFloat16) f(BF16{});
  else if (t == at::kHalf) f(F16{});
  else TORCH_CHECK(false, "expected a bfloat16 or float16 storage, got ", t);
}

template <typename F>
void dispatch_any(at::ScalarType t, F&& f) {
  if (t == at::kFloat) f(F32{});
  else if (t == at::kDouble) f(F64{});
  else dispatch_half(t, f);
}

template <typename Kind>
typename Kind::storage* ptr(const at::Tensor& t) {
  return reinterpret_cast<typename Kind::storage*>(t.data_ptr());
}

// A float32 copy of a strided half view, as a compact buffer.
template <typename Kind>
std::unique_ptr<float[]> widen(const at::Tensor& a, int64_t offset, const Dims& shape, const Dims& strides) {
  std::unique_ptr<float[]> buffer(new float[std::max<int64_t>(numel(shape), 1)]);
  convert<Kind, F32>(ptr<Kind>(a) + offset, strides, buffer.get(), shape);
  return buffer;
}

}  // namespace

void half_ewise_into(int op, const c10::optional<at::Tensor>& a, const Dims& a_strides, int64_t a_offset,
                     const c10::optional<at::Tensor>& b, const Dims& b_strides, int64_t b_offset, double scalar,
                     const at::Tensor& out, const Dims& out_strides, int64_t out_offset, const Dims& shape) {
  const Dims zeros(shape.size(), 0);
  dispatch_half(out.scalar_type(), [&](auto kind) {
    using Kind = decltype(kind);
    const uint16_t value = Kind::store(static_cast<float>(scalar));
    const uint16_t* pa = a ? ptr<Kind>(*a) + a_offset : &value;
    const uint16_t* pb = b ? ptr<Kind>(*b) + b_offset : &value;
    dispatch_op(op, [&](auto code) {
      strided_map<decltype(code)::value, Kind, Kind>(pa, a ? a_strides : zeros, pb, b ? b_strides : zeros,
                                                     ptr<Kind>(out) + out_offset, out_strides, shape);
    });
  });
}

void half_reduce(int red, const at::Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, int64_t n_kept,
                 const at::Tensor& out) {
  dispatch_half(a.scalar_type(), [&](auto kind) {
    using Kind = decltype(kind);
    const Dims kept(shape.begin(), shape.begin() + n_kept);
    auto wide = widen<Kind>(a, offset, shape, strides);
    std::unique_ptr<float[]> sums(new float[std::max<int64_t>(numel(kept), 1)]);
    reduce_trailing<float>(red, wide.get(), shape, compact_strides(shape), n_kept, sums.get());
    convert<F32, Kind>(sums.get(), compact_strides(kept), ptr<Kind>(out), kept);
  });
}

void half_matmul(int step, const at::Tensor& a, const Dims& a_offsets, int64_t a_rs, int64_t a_cs,
                 const at::Tensor& b, const Dims& b_offsets, int64_t b_rs, int64_t b_cs, int64_t m, int64_t n,
                 int64_t k, const at::Tensor& out) {
  dispatch_half(a.scalar_type(), [&](auto kind) {
    using Kind = decltype(kind);
    std::unique_ptr<float[]> c(new float[std::max<int64_t>(m * n, 1)]);
    for (size_t i = 0; i < a_offsets.size(); ++i) {
      auto wa = widen<Kind>(a, a_offsets[i], {m, k}, {a_rs, a_cs});
      auto wb = widen<Kind>(b, b_offsets[i], {k, n}, {b_rs, b_cs});
      matmul<float>(step, {wa.get(), k, 1}, {wb.get(), n, 1}, c.get(), m, n, k);
      convert<F32, Kind>(c.get(), {n, 1}, ptr<Kind>(out) + static_cast<int64_t>(i) * m * n, {m, n});
    }
  });
}

at::Tensor cast_to(const at::Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, at::ScalarType dtype) {
  check_storage(a, "a", at::kCPU);
  check_layout(a, shape, strides, offset, "a");
  TORCH_CHECK(is_half(a.scalar_type()) || is_half(dtype), "cast_to converts to or from bfloat16 or float16");
  at::Tensor out = at::empty({numel(shape)}, a.options().dtype(dtype));
  dispatch_any(a.scalar_type(), [&](auto in) {
    using In = decltype(in);
    dispatch_any(dtype, [&](auto to) {
      using Out = decltype(to);
      convert<In, Out>(ptr<In>(a) + offset, strides, ptr<Out>(out), shape);
    });
  });
  return out;
}

}  // namespace dlsys
