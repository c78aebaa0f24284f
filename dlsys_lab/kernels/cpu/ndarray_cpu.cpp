// Python bindings of the `cpu` backend: checks the arguments, allocates outputs, and calls the
// kernels of elementwise.cpp and matmul.cpp. Storage is a flat 1-D torch tensor; every array is
// (storage, shape, strides, offset) in elements.
#include "../common/layout_checks.h"
#include "../common/ops.h"
#include "../common/shared_bindings.h"
#include "elementwise.h"
#include "half_ops.h"
#include "matmul.h"
#include "qmatmul.h"
#include "storage_cache.h"

#include <ATen/ops/from_blob.h>
#include <omp.h>
#include <sys/mman.h>

#include <cstdlib>
#include <map>
#include <string>

namespace dlsys {
namespace {

using at::Tensor;

// A new flat storage. Small and medium ones come from the StorageCache; large ones ask the kernel
// for 2 MB pages, as NumPy does: a 64 MB array then costs 32 page faults instead of 16384, which
// would otherwise take longer than the kernel itself.
Tensor empty_storage(int64_t n, const at::TensorOptions& options) {
  constexpr size_t kHugePage = size_t(2) << 20;
  static_assert(StorageCache::kLargestBlock == 4 * kHugePage, "the cache stops where huge pages start");
  const size_t bytes = static_cast<size_t>(n) * options.dtype().itemsize();
  if (bytes < StorageCache::kLargestBlock) return StorageCache::instance().empty(n, options);
  void* data = nullptr;
  TORCH_CHECK(posix_memalign(&data, kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage) == 0,
              "out of memory allocating ", bytes, " bytes");
  madvise(data, bytes, MADV_HUGEPAGE);  // a hint: without transparent huge pages it changes nothing
  return at::from_blob(data, {n}, [](void* p) { std::free(p); }, options);
}

// Writes OP(a, b) into the strided view `out` (or fills it with OP(scalar, scalar) when both are absent).
void ewise_into(int op, const c10::optional<Tensor>& a, Dims a_strides, int64_t a_offset,
                const c10::optional<Tensor>& b, Dims b_strides, int64_t b_offset, double scalar,
                const Tensor& out, const Dims& out_strides, int64_t out_offset, const Dims& shape) {
  check_ewise_args(op, a, a_strides, a_offset, b, b_strides, b_offset, out, out_strides, out_offset, shape, at::kCPU);
  if (is_half(out.scalar_type()))
    return half_ewise_into(op, a, a_strides, a_offset, b, b_strides, b_offset, scalar, out, out_strides, out_offset, shape);
  const Dims zeros(shape.size(), 0);
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "ewise", [&] {
    const scalar_t value = static_cast<scalar_t>(scalar);
    const scalar_t* pa = a ? a->data_ptr<scalar_t>() + a_offset : &value;
    const scalar_t* pb = b ? b->data_ptr<scalar_t>() + b_offset : &value;
    ewise_strided(op, pa, a ? a_strides : zeros, pb, b ? b_strides : zeros, out.data_ptr<scalar_t>() + out_offset,
                  out_strides, shape);
  });
}

// A new compact array holding OP(a, b): the workhorse of every elementwise function.
Tensor ewise(int op, const c10::optional<Tensor>& a, Dims a_strides, int64_t a_offset,
             const c10::optional<Tensor>& b, Dims b_strides, int64_t b_offset, double scalar, const Dims& shape) {
  TORCH_CHECK(a || b, "ewise needs at least one array operand");
  Tensor out = empty_storage(numel(shape), (a ? *a : *b).options());
  ewise_into(op, a, std::move(a_strides), a_offset, b, std::move(b_strides), b_offset, scalar, out,
             compact_strides(shape), 0, shape);
  return out;
}

// The fast path of compact operands: OP over n elements back to back from each offset. Five small
// arguments instead of nine (no shape or stride tuples to convert) halve the call's fixed cost.
Tensor ewise_flat(int op, const c10::optional<Tensor>& a, int64_t a_offset, const c10::optional<Tensor>& b,
                  int64_t b_offset, double scalar, int64_t n) {
  TORCH_CHECK(op >= 0 && op < N_OPS, "unknown elementwise op ", op);
  TORCH_CHECK(a || b, "ewise_flat needs at least one array operand");
  const Tensor& first = a ? *a : *b;
  for (const auto* t : {&a, &b})
    if (t->has_value()) {
      check_storage(**t, "operand", at::kCPU);
      TORCH_CHECK((*t)->scalar_type() == first.scalar_type(), "operands have dtypes ", (*t)->scalar_type(), " and ",
                  first.scalar_type(), "; convert one with astype first");
    }
  TORCH_CHECK(n >= 0, "ewise_flat: negative length ", n);
  if (a) check_layout(*a, {n}, {1}, a_offset, "a");
  if (b) check_layout(*b, {n}, {1}, b_offset, "b");
  Tensor out = empty_storage(n, first.options());
  if (is_half(first.scalar_type())) {
    half_ewise_into(op, a, {a ? 1 : 0}, a_offset, b, {b ? 1 : 0}, b_offset, scalar, out, {1}, 0, {n});
    return out;
  }
  AT_DISPATCH_FLOATING_TYPES(first.scalar_type(), "ewise_flat", [&] {
    const scalar_t value = static_cast<scalar_t>(scalar);
    const scalar_t* pa = a ? a->data_ptr<scalar_t>() + a_offset : &value;
    const scalar_t* pb = b ? b->data_ptr<scalar_t>() + b_offset : &value;
    ewise_contiguous(op, pa, a ? 1 : 0, pb, b ? 1 : 0, out.data_ptr<scalar_t>(), n);
  });
  return out;
}

Tensor reduce(int red, const Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, int64_t n_kept) {
  TORCH_CHECK(red >= 0 && red < N_REDUCTIONS, "unknown reduction ", red);
  check_storage(a, "a", at::kCPU);
  check_layout(a, shape, strides, offset, "a");
  TORCH_CHECK(n_kept >= 0 && n_kept <= static_cast<int64_t>(shape.size()), "n_kept out of range");
  const Dims kept(shape.begin(), shape.begin() + n_kept);
  Tensor out = empty_storage(numel(kept), a.options());
  if (numel(kept) == 0) return out;
  if (numel(shape) == 0) {
    TORCH_CHECK(red == SUM, "max of an empty array has no value; reduce over non-empty axes");
    return out.zero_();
  }
  if (is_half(a.scalar_type())) return half_reduce(red, a, shape, strides, offset, n_kept, out), out;
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "reduce", [&] {
    reduce_trailing(red, a.data_ptr<scalar_t>() + offset, shape, strides, n_kept, out.data_ptr<scalar_t>());
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
  check_storage(a, "a", at::kCPU);
  check_storage(b, "b", at::kCPU);
  TORCH_CHECK(a.scalar_type() == b.scalar_type(), "matmul of ", a.scalar_type(), " and ", b.scalar_type(),
              "; convert one with astype first");
  TORCH_CHECK(a_offsets.size() == b_offsets.size(), "matmul: batch sizes differ");
  for (size_t i = 0; i < a_offsets.size(); ++i) {
    check_layout(a, {m, k}, {a_rs, a_cs}, a_offsets[i], "a");
    check_layout(b, {k, n}, {b_rs, b_cs}, b_offsets[i], "b");
  }
  const int64_t batch = static_cast<int64_t>(a_offsets.size());
  Tensor out = empty_storage(batch * m * n, a.options());
  if (is_half(a.scalar_type()))
    return half_matmul(step, a, a_offsets, a_rs, a_cs, b, b_offsets, b_rs, b_cs, m, n, k, out), out;
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "matmul", [&] {
    for (int64_t i = 0; i < batch; ++i)
      matmul<scalar_t>(step, {a.data_ptr<scalar_t>() + a_offsets[i], a_rs, a_cs},
                       {b.data_ptr<scalar_t>() + b_offsets[i], b_rs, b_cs}, out.data_ptr<scalar_t>() + i * m * n, m, n, k);
  });
  return out;
}

// C = A @ B^T in int32 for int8 matrices A (M x K) and B (N x K), both compact: the quantized Linear's product.
Tensor matmul_int8_nt(const Tensor& a, const Tensor& b) {
  for (const auto* t : {&a, &b}) {
    TORCH_CHECK(t->device().is_cpu() && t->scalar_type() == at::kChar && t->dim() == 2 && t->is_contiguous(),
                "matmul_int8 takes two compact 2-d int8 CPU tensors, got ", t->scalar_type(), " of ", t->dim(), " dims");
  }
  TORCH_CHECK(a.size(1) == b.size(1), "matmul_int8: A has ", a.size(1), " columns but B (N x K) has ", b.size(1));
  TORCH_CHECK(a.size(1) < (int64_t(1) << 17), "matmul_int8: K = ", a.size(1), " could overflow the int32 sums");
  const int64_t m = a.size(0), n = b.size(0), k = a.size(1);
  Tensor c = at::empty({m, n}, a.options().dtype(at::kInt));
  const bool big = m * n * k >= (int64_t(1) << 18);
  matmul_int8(a.data_ptr<int8_t>(), b.data_ptr<int8_t>(), c.data_ptr<int32_t>(), m, n, k, big ? omp_get_max_threads() : 1);
  return c;
}

}  // namespace
}  // namespace dlsys

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  using namespace dlsys;
  bind_shared(m, "dlsys_lab's C++ kernels for the cpu backend", DLSYS_MATMUL_STEP_NAMES,
              &ewise, &ewise_flat, &ewise_into, &reduce, &cast);
  m.def("cast_to", [](const Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, const std::string& dtype) {
    static const std::map<std::string, at::ScalarType> names = {
        {"float32", at::kFloat}, {"float64", at::kDouble}, {"bfloat16", at::kBFloat16}, {"float16", at::kHalf}};
    const auto it = names.find(dtype);
    TORCH_CHECK(it != names.end(), "cast_to: unknown dtype ", dtype);
    return cast_to(a, shape, strides, offset, it->second);
  }, "a compact copy converted to dtype, to or from bfloat16/float16 (float32 arithmetic, rounded once)");
  m.def("matmul", &matmul_batched, "batched strided matmul with the chosen optimization step");
  m.def("matmul_int8", &matmul_int8_nt, "int32 A @ B^T of compact int8 matrices A (M x K) and B (N x K)");
  m.def("num_threads", [] { return omp_get_max_threads(); }, "OpenMP threads the kernels use");
}
