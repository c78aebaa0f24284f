// Checks shared by the bindings of both compiled backends: storages and strided views are validated
// here, so bad input raises a Python error naming the problem instead of crashing the process.
#pragma once
// The few torch headers the bindings need (not torch/extension.h, which triples the build time).
#include <ATen/Dispatch.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/csrc/utils/pybind.h>

#include "ops.h"
#include "walk.h"

namespace dlsys {

using at::Tensor;

inline void check_storage(const Tensor& t, const char* name, at::DeviceType device) {
  TORCH_CHECK(t.device().type() == device, name, " is on ", t.device(), "; move it to the ", at::Device(device), " device first");
  TORCH_CHECK(t.dim() == 1 && t.is_contiguous(), name, " must be a flat contiguous storage");
  const auto dtype = t.scalar_type();
  TORCH_CHECK(dtype == at::kFloat || dtype == at::kDouble || dtype == at::kBFloat16 || dtype == at::kHalf, name,
              " has dtype ", dtype, "; only float32, float64, bfloat16 and float16 are supported");
}

inline void check_layout(const Tensor& t, const Dims& shape, const Dims& strides, int64_t offset, const char* name) {
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

// The arguments of ewise_into on either backend: a known op, operands and out in storages of `device` (one
// device, one dtype), and every view inside its storage.
inline void check_ewise_args(int op, const c10::optional<Tensor>& a, const Dims& a_strides, int64_t a_offset,
                             const c10::optional<Tensor>& b, const Dims& b_strides, int64_t b_offset,
                             const Tensor& out, const Dims& out_strides, int64_t out_offset, const Dims& shape,
                             at::DeviceType device) {
  TORCH_CHECK(op >= 0 && op < N_OPS, "unknown elementwise op ", op);
  check_storage(out, "out", device);
  check_layout(out, shape, out_strides, out_offset, "out");
  for (const auto* t : {&a, &b})
    if (t->has_value()) {
      check_storage(**t, "operand", device);
      TORCH_CHECK((*t)->device() == out.device(), "operands are on ", (*t)->device(), " and ", out.device());
      TORCH_CHECK((*t)->scalar_type() == out.scalar_type(), "operands have dtypes ", (*t)->scalar_type(), " and ",
                  out.scalar_type(), "; convert one with astype first");
    }
  if (a) check_layout(*a, shape, a_strides, a_offset, "a");
  if (b) check_layout(*b, shape, b_strides, b_offset, "b");
}

}  // namespace dlsys
