"""Week 8: a small tensor DSL with schedules (Halide's and TVM's split of *what* from *how*), compiled to C++.

    M, K = dsl.size("M"), dsl.size("K")
    A = dsl.placeholder((M, K), "A")
    k = dsl.reduce_axis(K, "k")
    rowsum = dsl.compute((M,), lambda i: dsl.sum(A[i, k], axis=k), "S")
    s = dsl.create_schedule(rowsum); io, ii = s.split("i", 8); s.parallel(io)
    print(dsl.lower(s)); kernels = dsl.build({"rowsum": s}); kernels["rowsum"](a)
"""
from .build import Kernel, build
from .codegen import lower
from .expr import compute, exp, maximum, placeholder, reduce_axis, size, sum, tanh  # noqa: A004
from .matmul import STEPS, matmul_compute, matmul_schedule
from .schedule import Schedule, create_schedule

__all__ = ["size", "placeholder", "compute", "reduce_axis", "sum", "exp", "tanh", "maximum", "create_schedule",
           "Schedule", "lower", "build", "Kernel", "matmul_compute", "matmul_schedule", "STEPS"]
