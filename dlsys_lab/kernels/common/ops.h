// The scalar functions behind every elementwise kernel, shared by the C++ and CUDA backends.
// Each op is a compile-time constant, so a kernel instantiated for ADD has no switch in its loop.
//
// DLSYS_EWISE_OPS is the one list of elementwise ops: X(ENUM, "name", arity, expression of a and b).
// The enum, the dispatch switch, the names the extensions export (ext.OPS) and Python's op table
// (dlsys_lab/nd/ops.py reads this file) all come from it. A unary op (arity 1) ignores b.
// Adding an op: one X line here, its NumPy twin in nd/numpy_backend.py, its Op in autodiff (CONTRIBUTING.md).
#pragma once
#include <cmath>
#include <type_traits>

#ifdef __CUDACC__
#define DLSYS_HD __host__ __device__
#define DLSYS_MATH(fn) ::fn
#else
#define DLSYS_HD
#define DLSYS_MATH(fn) std::fn
#endif

// clang-format off
#define DLSYS_EWISE_OPS(X)                                                              \
  X(ADD,     "add",     2, a + b)                                                       \
  X(SUB,     "sub",     2, a - b)                                                       \
  X(MUL,     "mul",     2, a * b)                                                       \
  X(DIV,     "div",     2, a / b)                                                       \
  X(MAXIMUM, "maximum", 2, (a != a || a > b) ? a : b) /* NaN wins, like NumPy */        \
  X(POW,     "power",   2, DLSYS_MATH(pow)(a, b))                                       \
  X(EQ,      "eq",      2, a == b ? T(1) : T(0))                                        \
  X(NE,      "ne",      2, a != b ? T(1) : T(0)) /* true where either is NaN */         \
  X(GT,      "gt",      2, a > b ? T(1) : T(0))                                         \
  X(GE,      "ge",      2, a >= b ? T(1) : T(0))                                        \
  X(LT,      "lt",      2, a < b ? T(1) : T(0))                                         \
  X(LE,      "le",      2, a <= b ? T(1) : T(0))                                        \
  X(COPY,    "copy",    1, a)                                                           \
  X(NEG,     "neg",     1, -a)                                                          \
  X(EXP,     "exp",     1, DLSYS_MATH(exp)(a))                                          \
  X(LOG,     "log",     1, DLSYS_MATH(log)(a))                                          \
  X(TANH,    "tanh",    1, DLSYS_MATH(tanh)(a))                                         \
  X(SQRT,    "sqrt",    1, DLSYS_MATH(sqrt)(a))                                         \
  X(SIGMOID, "sigmoid", 1, T(0.5) * (T(1) + DLSYS_MATH(tanh)(T(0.5) * a))) /* overflow-free */ \
  X(ABS,     "abs",     1, DLSYS_MATH(fabs)(a))

// The reductions over trailing axes: X(ENUM, "name"); exported as ext.REDUCTIONS.
#define DLSYS_REDUCTIONS(X) X(SUM, "sum") X(MAX, "max")
// clang-format on

#define DLSYS_OP_ENUM(e, ...) e,
#define DLSYS_OP_NAME(e, name, ...) name,

// The names in enum order, as a braced list: {"add", "sub", ...}.
#define DLSYS_OP_NAMES {DLSYS_EWISE_OPS(DLSYS_OP_NAME)}
#define DLSYS_REDUCTION_NAMES {DLSYS_REDUCTIONS(DLSYS_OP_NAME)}

namespace dlsys {

enum Op : int { DLSYS_EWISE_OPS(DLSYS_OP_ENUM) N_OPS };
enum Reduction : int { DLSYS_REDUCTIONS(DLSYS_OP_ENUM) N_REDUCTIONS };

template <int OP, typename T>
DLSYS_HD inline T apply_op(T a, T b) {
  (void)b;
#define DLSYS_APPLY(e, name, arity, ...) if constexpr (OP == e) return __VA_ARGS__; else
  DLSYS_EWISE_OPS(DLSYS_APPLY)
#undef DLSYS_APPLY
  return a;  // unreachable: dispatch_op only instantiates listed ops
}

// Calls f(std::integral_constant<int, OP>) for the runtime op code: one instantiation per op.
template <typename F>
inline void dispatch_op(int op, F&& f) {
  switch (op) {
#define DLSYS_CASE(e, ...) case e: f(std::integral_constant<int, e>{}); return;
    DLSYS_EWISE_OPS(DLSYS_CASE)
#undef DLSYS_CASE
    default: break;
  }
}

}  // namespace dlsys
