// The Python surface both compiled backends' modules share: the docstring, the op, reduction and matmul-step
// names (an op code is a position in these lists) and the elementwise, reduction and cast entry points, each
// backend passing its own implementation.
#pragma once
#include <torch/csrc/utils/pybind.h>

#include <string>
#include <vector>

#include "ops.h"

namespace dlsys {

template <class Ewise, class EwiseFlat, class EwiseInto, class Reduce, class Cast>
void bind_shared(pybind11::module_& m, const char* doc, const std::vector<std::string>& matmul_steps, Ewise ewise,
                 EwiseFlat ewise_flat, EwiseInto ewise_into, Reduce reduce, Cast cast) {
  m.doc() = doc;
  const std::vector<std::string> ops = DLSYS_OP_NAMES, reductions = DLSYS_REDUCTION_NAMES;
  m.attr("OPS") = ops;
  m.attr("REDUCTIONS") = reductions;
  m.attr("MATMUL_STEPS") = matmul_steps;
  m.def("ewise", ewise, "a new compact array holding op(a, b); a missing operand is the scalar");
  m.def("ewise_flat", ewise_flat, "op(a, b) over n compact elements from each offset; a missing operand is the scalar");
  m.def("ewise_into", ewise_into, "writes op(a, b) into a strided view of out");
  m.def("reduce", reduce, "sum or max over the trailing dimensions (all but the first n_kept)");
  m.def("cast", cast, "a compact copy converted to float64 (to_double) or float32");
}

}  // namespace dlsys
