// The `cpu` backend's kernels and their Python bindings: strided elementwise ops (compaction and
// setitem are the COPY op), reductions over trailing axes, casts, and the entry to matmul.cpp.
// Storage is a flat 1-D torch tensor; every array is (storage, shape, strides, offset) in elements.
#include <torch/extension.h>

#include <limits>
#include <numeric>

#include "../common/ops.h"
#include "matmul.h"
#include "strided.h"

namespace dlsys {
namespace {

using at::Tensor;

void check_storage(const Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu(), name, " is on ", t.device(), "; move it to the cpu device first");
  TORCH_CHECK(t.dim() == 1 && t.is_contiguous(), name, " must be a flat contiguous storage");
  TORCH_CHECK(t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble, name, " has dtype ",
              t.scalar_type(), "; only float32 and float64 are supported");
}

void check_layout(const Tensor& t, const Dims& shape, const Dims& strides, int64_t offset, const char* name) {
  TORCH_CHECK(shape.size() == strides.size(), name, ": shape and strides differ in length");
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); ++d) {
    TORCH_CHECK(shape[d] >= 0, name, ": negative dimension in the shape");
    if (shape[d] == 0) return;
    (strides[d] < 0 ? lo : hi) += (shape[d] - 1) * strides[d];
  }
  TORCH_CHECK(lo >= 0 && hi < t.numel(), name, ": the view reaches outside its storage of ", t.numel(),
              " elements (offset ", offset, ")");
}

// out[i] = OP(a[i], b[i]) over `shape`; an operand that is absent is the scalar, with stride 0.
template <int OP, typename T>
void ewise_kernel(const T* a, const Dims& as, const T* b, const Dims& bs, T* out, const Dims& os, const Dims& shape) {
  const Walk w = make_walk(shape, {&as, &bs, &os});
  const int64_t sa = w.inner_stride(0), sb = w.inner_stride(1), so = w.inner_stride(2);
  parallel_walk(w, [&](const int64_t* off, int64_t len) {
    const T* pa = a + off[0];
    const T* pb = b + off[1];
    T* po = out + off[2];
    // Unit strides and scalars get their own loops so the compiler vectorizes them.
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
  });
}

// Writes OP(a, b) into the strided view `out` (or fills it with OP(scalar, scalar) when both are absent).
void ewise_into(int op, const c10::optional<Tensor>& a, Dims a_strides, int64_t a_offset,
                const c10::optional<Tensor>& b, Dims b_strides, int64_t b_offset, double scalar,
                const Tensor& out, const Dims& out_strides, int64_t out_offset, const Dims& shape) {
  TORCH_CHECK(op >= 0 && op < N_OPS, "unknown elementwise op ", op);
  check_storage(out, "out");
  check_layout(out, shape, out_strides, out_offset, "out");
  for (const auto* t : {&a, &b})
    if (t->has_value()) {
      check_storage(**t, "operand");
      TORCH_CHECK((*t)->scalar_type() == out.scalar_type(), "operands have dtypes ", (*t)->scalar_type(),
                  " and ", out.scalar_type(), "; convert one with astype first");
    }
  if (a) check_layout(*a, shape, a_strides, a_offset, "a");
  if (b) check_layout(*b, shape, b_strides, b_offset, "b");
  const Dims zeros(shape.size(), 0);
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "ewise", [&] {
    const scalar_t value = static_cast<scalar_t>(scalar);
    const scalar_t* pa = a ? a->data_ptr<scalar_t>() + a_offset : &value;
    const scalar_t* pb = b ? b->data_ptr<scalar_t>() + b_offset : &value;
    dispatch_op(op, [&](auto code) {
      ewise_kernel<decltype(code)::value>(pa, a ? a_strides : zeros, pb, b ? b_strides : zeros,
                                          out.data_ptr<scalar_t>() + out_offset, out_strides, shape);
    });
  });
}

Dims compact_strides(const Dims& shape) {
  Dims strides(shape.size());
  int64_t step = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) strides[d] = step, step *= std::max<int64_t>(shape[d], 1);
  return strides;
}

int64_t numel(const Dims& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

// A new compact array holding OP(a, b): the workhorse of every elementwise function.
Tensor ewise(int op, const c10::optional<Tensor>& a, Dims a_strides, int64_t a_offset,
             const c10::optional<Tensor>& b, Dims b_strides, int64_t b_offset, double scalar, const Dims& shape) {
  TORCH_CHECK(a || b, "ewise needs at least one array operand");
  Tensor out = at::empty({numel(shape)}, (a ? *a : *b).options());
  ewise_into(op, a, std::move(a_strides), a_offset, b, std::move(b_strides), b_offset, scalar, out,
             compact_strides(shape), 0, shape);
  return out;
}

// One row's sum or max, vectorized: `omp simd reduction` lets the compiler reorder the additions.
// Sums go through blocks of 1024 in T, then into a double, so float32 sums stay accurate.
template <int RED, typename T>
T reduce_row(const T* p, int64_t n, int64_t stride) {
  if (RED == MAX) {
    T best = p[0];
    if (stride == 1) {
#pragma omp simd reduction(max : best)
      for (int64_t i = 0; i < n; ++i) best = p[i] > best ? p[i] : best;
    } else {
      for (int64_t i = 0; i < n; ++i) best = p[i * stride] > best ? p[i * stride] : best;
    }
    return best;
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
T combine(T x, T y) { return RED == SUM ? x + y : (x > y ? x : y); }

// Reduces the trailing dimensions of (shape, strides): out has prod(shape[:n_kept]) elements.
template <int RED, typename T>
void reduce_kernel(const T* a, const Dims& shape, const Dims& strides, int64_t n_kept, T* out) {
  const Dims kept_shape(shape.begin(), shape.begin() + n_kept), kept_strides(strides.begin(), strides.begin() + n_kept);
  const Dims red_shape(shape.begin() + n_kept, shape.end()), red_strides(strides.begin() + n_kept, strides.end());
  const Walk red = make_walk(red_shape, {&red_strides});
  const int64_t n_out = numel(kept_shape), n_red = red.size();
  if (red.shape.size() == 1) {
    // Each output reduces one evenly strided row: threads split the outputs, or a long single row.
    const int64_t stride = red.inner_stride(0);
    const Walk kept = make_walk(kept_shape, {&kept_strides});
    const int threads = n_out * n_red < kParallelGrain ? 1 : omp_get_max_threads();
    if (n_out >= threads) {
#pragma omp parallel num_threads(threads)
      {
        const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
        int64_t o = n_out * t / nt;
        walk_range(kept, o, n_out * (t + 1) / nt, [&](const int64_t* off, int64_t len) {
          for (int64_t i = 0; i < len; ++i, ++o) out[o] = reduce_row<RED>(a + off[0] + i * kept.inner_stride(0), n_red, stride);
        });
      }
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

Tensor reduce(int red, const Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, int64_t n_kept) {
  check_storage(a, "a");
  check_layout(a, shape, strides, offset, "a");
  TORCH_CHECK(n_kept >= 0 && n_kept <= static_cast<int64_t>(shape.size()), "n_kept out of range");
  const Dims kept(shape.begin(), shape.begin() + n_kept);
  Tensor out = at::empty({numel(kept)}, a.options());
  if (numel(kept) == 0) return out;
  if (numel(shape) == 0) {
    TORCH_CHECK(red == SUM, "max of an empty array has no value; reduce over non-empty axes");
    return out.zero_();
  }
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "reduce", [&] {
    if (red == SUM) reduce_kernel<SUM>(a.data_ptr<scalar_t>() + offset, shape, strides, n_kept, out.data_ptr<scalar_t>());
    else reduce_kernel<MAX>(a.data_ptr<scalar_t>() + offset, shape, strides, n_kept, out.data_ptr<scalar_t>());
  });
  return out;
}

// A compact copy of the view converted to another dtype.
Tensor cast(const Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, bool to_double) {
  Tensor compact = ewise(COPY, a, strides, offset, c10::nullopt, {}, 0, 0.0, shape);
  return compact.to(to_double ? at::kDouble : at::kFloat);
}

// C[b] = A[b] @ B[b] for each batch b: A[b] starts at a_offsets[b] and has strides (a_rs, a_cs).
Tensor matmul_batched(int step, const Tensor& a, const Dims& a_offsets, int64_t a_rs, int64_t a_cs,
                      const Tensor& b, const Dims& b_offsets, int64_t b_rs, int64_t b_cs, int64_t m, int64_t n, int64_t k) {
  TORCH_CHECK(step >= 0 && step < N_STEPS, "unknown matmul step ", step);
  check_storage(a, "a");
  check_storage(b, "b");
  TORCH_CHECK(a.scalar_type() == b.scalar_type(), "matmul of ", a.scalar_type(), " and ", b.scalar_type(),
              "; convert one with astype first");
  TORCH_CHECK(a_offsets.size() == b_offsets.size(), "matmul: batch sizes differ");
  for (size_t i = 0; i < a_offsets.size(); ++i) {
    check_layout(a, {m, k}, {a_rs, a_cs}, a_offsets[i], "a");
    check_layout(b, {k, n}, {b_rs, b_cs}, b_offsets[i], "b");
  }
  const int64_t batch = static_cast<int64_t>(a_offsets.size());
  Tensor out = at::empty({batch * m * n}, a.options());
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "matmul", [&] {
    for (int64_t i = 0; i < batch; ++i)
      matmul<scalar_t>(step, {a.data_ptr<scalar_t>() + a_offsets[i], a_rs, a_cs},
                       {b.data_ptr<scalar_t>() + b_offsets[i], b_rs, b_cs}, out.data_ptr<scalar_t>() + i * m * n, m, n, k);
  });
  return out;
}

}  // namespace
}  // namespace dlsys

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  using namespace dlsys;
  m.doc() = "dlsys_lab's C++ kernels for the cpu backend";
  const std::vector<std::string> ops = DLSYS_OP_NAMES, steps = DLSYS_MATMUL_STEP_NAMES;
  m.attr("OPS") = ops;
  m.attr("MATMUL_STEPS") = steps;
  m.attr("REDUCTIONS") = std::vector<std::string>{"sum", "max"};
  m.def("ewise", &ewise, "a new compact array holding op(a, b); a missing operand is the scalar");
  m.def("ewise_into", &ewise_into, "writes op(a, b) into a strided view of out");
  m.def("reduce", &reduce, "sum or max over the trailing dimensions (all but the first n_kept)");
  m.def("cast", &cast, "a compact copy converted to float64 (to_double) or float32");
  m.def("matmul", &matmul_batched, "batched strided matmul with the chosen optimization step");
  m.def("num_threads", [] { return omp_get_max_threads(); }, "OpenMP threads the kernels use");
}
