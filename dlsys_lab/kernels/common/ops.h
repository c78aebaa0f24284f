// The scalar functions behind every elementwise kernel, shared by the C++ and CUDA backends.
// Each op is a compile-time constant, so a kernel instantiated for ADD has no switch in its loop.
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

namespace dlsys {

// Binary ops read both operands; unary ops (from NEG on) ignore the second one.
enum Op : int { ADD, SUB, MUL, DIV, MAXIMUM, EQ, GE, POW, COPY, NEG, EXP, LOG, TANH, SQRT, SIGMOID, N_OPS };
enum Reduction : int { SUM, MAX };

#define DLSYS_OP_NAMES \
  {"add", "sub", "mul", "div", "maximum", "eq", "ge", "power", "copy", "neg", "exp", "log", "tanh", "sqrt", "sigmoid"}

template <int OP, typename T>
DLSYS_HD inline T apply_op(T a, T b) {
  if constexpr (OP == ADD) return a + b;
  else if constexpr (OP == SUB) return a - b;
  else if constexpr (OP == MUL) return a * b;
  else if constexpr (OP == DIV) return a / b;
  else if constexpr (OP == MAXIMUM) return (a != a || a > b) ? a : b;  // NaN wins, like NumPy
  else if constexpr (OP == EQ) return a == b ? T(1) : T(0);
  else if constexpr (OP == GE) return a >= b ? T(1) : T(0);
  else if constexpr (OP == POW) return DLSYS_MATH(pow)(a, b);
  else if constexpr (OP == COPY) return a;
  else if constexpr (OP == NEG) return -a;
  else if constexpr (OP == EXP) return DLSYS_MATH(exp)(a);
  else if constexpr (OP == LOG) return DLSYS_MATH(log)(a);
  else if constexpr (OP == TANH) return DLSYS_MATH(tanh)(a);
  else if constexpr (OP == SQRT) return DLSYS_MATH(sqrt)(a);
  else return T(0.5) * (T(1) + DLSYS_MATH(tanh)(T(0.5) * a));  // SIGMOID, overflow-free
}

// Calls f(std::integral_constant<int, OP>) for the runtime op code: one instantiation per op.
template <typename F>
inline void dispatch_op(int op, F&& f) {
  switch (op) {
#define DLSYS_CASE(X) case X: f(std::integral_constant<int, X>{}); return;
    DLSYS_CASE(ADD) DLSYS_CASE(SUB) DLSYS_CASE(MUL) DLSYS_CASE(DIV) DLSYS_CASE(MAXIMUM)
    DLSYS_CASE(EQ) DLSYS_CASE(GE) DLSYS_CASE(POW) DLSYS_CASE(COPY) DLSYS_CASE(NEG)
    DLSYS_CASE(EXP) DLSYS_CASE(LOG) DLSYS_CASE(TANH) DLSYS_CASE(SQRT) DLSYS_CASE(SIGMOID)
#undef DLSYS_CASE
    default: break;
  }
}

}  // namespace dlsys
