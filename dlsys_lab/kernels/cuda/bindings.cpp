// Python bindings of the CUDA kernels: the same functions as the cpu extension (ewise, ewise_into,
// reduce, cast, matmul), checked here and launched on torch's current CUDA stream.
#include <ATen/ops/from_blob.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>

#include "../common/layout_checks.h"
#include "../common/ops.h"
#include "../common/shared_bindings.h"
#include "ndarray_cuda.h"

namespace dlsys {
namespace {

cuda::Layout to_layout(const Walk& w) {
  TORCH_CHECK(static_cast<int>(w.shape.size()) <= cuda::kMaxDims, "the cuda kernels take at most ", cuda::kMaxDims,
              " non-mergeable dimensions; call compact() first");
  cuda::Layout layout;
  layout.ndim = static_cast<int>(w.shape.size());
  for (int d = 0; d < layout.ndim; ++d) {
    layout.shape[d] = w.shape[d];
    for (int k = 0; k < w.n_ops; ++k) layout.strides[k][d] = w.strides[k][d];
  }
  return layout;
}

void check(cudaError_t err) { TORCH_CHECK(err == cudaSuccess, "CUDA error: ", cudaGetErrorString(err)); }

// Whether every matrix of t starts on a boundary of four elements (for 16-byte loads of float32).
bool quad_aligned(const Tensor& t, const Dims& offsets) {
  const auto quad_bytes = static_cast<uintptr_t>(4 * t.element_size());
  return reinterpret_cast<uintptr_t>(t.data_ptr()) % quad_bytes == 0 &&
         std::all_of(offsets.begin(), offsets.end(), [](int64_t o) { return o % 4 == 0; });
}

void ewise_into(int op, const c10::optional<Tensor>& a, Dims a_strides, int64_t a_offset,
                const c10::optional<Tensor>& b, Dims b_strides, int64_t b_offset, double scalar,
                const Tensor& out, const Dims& out_strides, int64_t out_offset, const Dims& shape) {
  check_ewise_args(op, a, a_strides, a_offset, b, b_strides, b_offset, out, out_strides, out_offset, shape, at::kCUDA);
  const c10::cuda::CUDAGuard guard(out.device());
  const Dims zeros(shape.size(), 0);
  const Walk w = make_walk(shape, {a ? &a_strides : &zeros, b ? &b_strides : &zeros, &out_strides});
  const cuda::Layout layout = to_layout(w);
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "ewise", [&] {
    check(cuda::ewise<scalar_t>(op, a ? a->data_ptr<scalar_t>() + a_offset : nullptr,
                                b ? b->data_ptr<scalar_t>() + b_offset : nullptr, static_cast<scalar_t>(scalar),
                                out.data_ptr<scalar_t>() + out_offset, layout, w.size(),
                                c10::cuda::getCurrentCUDAStream()));
  });
}

Tensor ewise(int op, const c10::optional<Tensor>& a, Dims a_strides, int64_t a_offset,
             const c10::optional<Tensor>& b, Dims b_strides, int64_t b_offset, double scalar, const Dims& shape) {
  TORCH_CHECK(a || b, "ewise needs at least one array operand");
  Tensor out = at::empty({numel(shape)}, (a ? *a : *b).options());
  ewise_into(op, a, std::move(a_strides), a_offset, b, std::move(b_strides), b_offset, scalar, out,
             compact_strides(shape), 0, shape);
  return out;
}

// The compact-operand fast path of the Python side (same signature as the cpu extension's).
Tensor ewise_flat(int op, const c10::optional<Tensor>& a, int64_t a_offset, const c10::optional<Tensor>& b,
                  int64_t b_offset, double scalar, int64_t n) {
  return ewise(op, a, a ? Dims{1} : Dims{}, a_offset, b, b ? Dims{1} : Dims{}, b_offset, scalar, {n});
}

Tensor reduce(int red, const Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, int64_t n_kept) {
  TORCH_CHECK(red >= 0 && red < N_REDUCTIONS, "unknown reduction ", red);
  check_storage(a, "a", at::kCUDA);
  check_layout(a, shape, strides, offset, "a");
  TORCH_CHECK(n_kept >= 0 && n_kept <= static_cast<int64_t>(shape.size()), "n_kept out of range");
  const Dims kept_shape(shape.begin(), shape.begin() + n_kept), kept_strides(strides.begin(), strides.begin() + n_kept);
  const Dims red_shape(shape.begin() + n_kept, shape.end()), red_strides(strides.begin() + n_kept, strides.end());
  Tensor out = at::empty({numel(kept_shape)}, a.options());
  if (numel(kept_shape) == 0) return out;
  if (numel(red_shape) == 0) {
    TORCH_CHECK(red == SUM, "max of an empty array has no value; reduce over non-empty axes");
    return out.zero_();
  }
  const c10::cuda::CUDAGuard guard(a.device());
  const Walk kept = make_walk(kept_shape, {&kept_strides}), reduced = make_walk(red_shape, {&red_strides});
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "reduce", [&] {
    check(cuda::reduce<scalar_t>(red, a.data_ptr<scalar_t>() + offset, to_layout(kept), kept.size(), to_layout(reduced),
                                 reduced.size(), out.data_ptr<scalar_t>(), c10::cuda::getCurrentCUDAStream()));
  });
  return out;
}

Tensor cast(const Tensor& a, const Dims& shape, const Dims& strides, int64_t offset, bool to_double) {
  Tensor compact = ewise(COPY, a, strides, offset, c10::nullopt, {}, 0, 0.0, shape);
  return compact.to(to_double ? at::kDouble : at::kFloat);
}

Tensor matmul(int step, const Tensor& a, const Dims& a_offsets, int64_t a_rs, int64_t a_cs, const Tensor& b,
              const Dims& b_offsets, int64_t b_rs, int64_t b_cs, int64_t m, int64_t n, int64_t k) {
  TORCH_CHECK(step >= 0 && step < cuda::N_STEPS, "unknown matmul step ", step);
  check_storage(a, "a", at::kCUDA);
  check_storage(b, "b", at::kCUDA);
  TORCH_CHECK(a.get_device() == b.get_device(), "matmul operands are on different GPUs");
  TORCH_CHECK(a.scalar_type() == b.scalar_type(), "matmul of ", a.scalar_type(), " and ", b.scalar_type(),
              "; convert one with astype first");
  TORCH_CHECK(a_offsets.size() == b_offsets.size(), "matmul: batch sizes differ");
  for (size_t i = 0; i < a_offsets.size(); ++i) {
    check_layout(a, {m, k}, {a_rs, a_cs}, a_offsets[i], "a");
    check_layout(b, {k, n}, {b_rs, b_cs}, b_offsets[i], "b");
  }
  const c10::cuda::CUDAGuard guard(a.device());
  const int64_t batch = static_cast<int64_t>(a_offsets.size());
  Tensor out = at::empty({batch * m * n}, a.options());
  const auto on_device = [&](const Dims& v) {
    return at::from_blob(const_cast<int64_t*>(v.data()), {static_cast<int64_t>(v.size())}, at::kLong).to(a.device());
  };
  const Tensor a_off = on_device(a_offsets), b_off = on_device(b_offsets);
  const bool wide = a_cs == 1 && b_cs == 1 && a_rs % 4 == 0 && b_rs % 4 == 0 && k % 4 == 0 && n % 4 == 0 &&
                    quad_aligned(a, a_offsets) && quad_aligned(b, b_offsets);
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "matmul", [&] {
    check(cuda::matmul<scalar_t>(step, a.data_ptr<scalar_t>(), a_off.data_ptr<int64_t>(), a_rs, a_cs,
                                 b.data_ptr<scalar_t>(), b_off.data_ptr<int64_t>(), b_rs, b_cs,
                                 out.data_ptr<scalar_t>(), batch, m, n, k, wide, c10::cuda::getCurrentCUDAStream()));
  });
  return out;
}

}  // namespace
}  // namespace dlsys

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  using namespace dlsys;
  bind_shared(m, "dlsys_lab's CUDA kernels for the cuda backend", DLSYS_CUDA_MATMUL_STEP_NAMES,
              &ewise, &ewise_flat, &ewise_into, &reduce, &cast);
  m.def("matmul", &matmul, "batched strided matmul with the chosen step");
  m.def("num_threads", [] {
          int device = 0, sms = 0;
          check(cudaGetDevice(&device));
          check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
          return sms;
        },
        "streaming multiprocessors of the current GPU");
}
