"""Matmul steps written in a notebook: C++ compiled with torch.utils.cpp_extension.load_inline, run on NumPy arrays.

A step is a C++ function template with the signature of the steps in dlsys_lab/kernels/cpu/matmul.cpp,
    template <typename T>
    void NAME(MatrixView<T> a, MatrixView<T> b, T* c, int64_t m, int64_t n, int64_t k);
writing the compact M x N product of two strided matrices into c. `compile_matmul_steps` compiles several such
steps into one library (same flags as our kernels, a build folder of its own, a time limit) and returns a
callable `MatmulStep` for each. Lab05_kernels registers the student's tiled step with dlsys_lab.student, and the
`cpu` backend then runs it for `matmul(a, b, step="tiled")` (see `registered_step`).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import re
import select
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .build import KERNELS_DIR, build_compiler, cxx_flags

LAB = "lab05_kernels"
_CTYPES = {np.dtype("float32"): (ctypes.c_float, "f32"), np.dtype("float64"): (ctypes.c_double, "f64")}
_PRELUDE = "#include <algorithm>\n#include <cmath>\n#include <cstdint>\n#include <cstring>\n#include \"matmul.h\"\n"
_ENTRY = """
extern "C" void {name}_{tag}(const {c} *a, int64_t a_rs, int64_t a_cs, const {c} *b, int64_t b_rs, int64_t b_cs,
                             {c} *c, int64_t m, int64_t n, int64_t k) {{
  dlsys::{name}<{c}>({{a, a_rs, a_cs}}, {{b, b_rs, b_cs}}, c, m, n, k);
}}
"""


class CompileError(RuntimeError):
    """A step's C++ did not compile (or took longer than the time limit); `log` holds the compiler's output."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


class MatmulStep:
    """One compiled step: step(a, b) is a @ b for 2-D float32 or float64 NumPy arrays of any strides."""

    def __init__(self, name: str, library: ctypes.CDLL):
        self.name, self._functions = name, {}
        for dtype, (ctype, tag) in _CTYPES.items():
            fn = getattr(library, f"{name}_{tag}")
            pointer, i64 = ctypes.POINTER(ctype), ctypes.c_int64
            fn.argtypes = [pointer, i64, i64, pointer, i64, i64, pointer, i64, i64, i64]
            fn.restype = None
            self._functions[dtype] = (fn, pointer)

    def __repr__(self):
        return f"MatmulStep({self.name!r})"

    def __call__(self, a, b) -> np.ndarray:
        """a @ b computed by this step, read through a's and b's strides (no copy is made)."""
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise ValueError(f"{self.name} multiplies an M x K by a K x N matrix, got {a.shape} and {b.shape}")
        if a.dtype != b.dtype or a.dtype not in self._functions:
            raise TypeError(f"{self.name} takes two float32 or two float64 arrays, got {a.dtype} and {b.dtype}")
        (m, k), n = a.shape, b.shape[1]
        c = np.empty((m, n), a.dtype)
        if c.size == 0:
            return c
        if k == 0:
            return np.zeros((m, n), a.dtype)
        fn, pointer = self._functions[a.dtype]
        item = a.itemsize
        fn(ctypes.cast(a.ctypes.data, pointer), a.strides[0] // item, a.strides[1] // item,
           ctypes.cast(b.ctypes.data, pointer), b.strides[0] // item, b.strides[1] // item,
           c.ctypes.data_as(pointer), m, n, k)
        return c

    def strided(self, a_base, a_view, b_base, b_view) -> np.ndarray:
        """The product of two views of flat buffers, each view (offset, rows, cols, row_stride, col_stride) in
        elements: how a grader sends odd layouts across a process boundary that carries only compact arrays."""
        return self(_view(np.asarray(a_base), a_view), _view(np.asarray(b_base), b_view))


def _view(base: np.ndarray, view) -> np.ndarray:
    """The strided view `view` = (offset, rows, cols, row_stride, col_stride) of the flat array base."""
    offset, rows, cols, rs, cs = (int(v) for v in view)
    base = base.reshape(-1)
    if rows == 0 or cols == 0:
        return np.empty((rows, cols), base.dtype)
    last = offset + (rows - 1) * rs + (cols - 1) * cs
    first = offset + min(0, (rows - 1) * rs) + min(0, (cols - 1) * cs)
    if rows < 0 or cols < 0 or first < 0 or max(offset, last) >= base.size:
        raise ValueError(f"view {tuple(view)} reaches outside a buffer of {base.size} elements")
    return np.lib.stride_tricks.as_strided(base[offset:], (rows, cols), (rs * base.itemsize, cs * base.itemsize),
                                           writeable=False)


def step_source(name: str) -> str:
    """The C++ of one step of dlsys_lab/kernels/cpu/matmul.cpp (for example "matmul_naive"), to read or compile;
    a step that a graded lab asks students to write (a `BEGIN LAB` region) is refused."""
    text = (KERNELS_DIR / "cpu" / "matmul.cpp").read_text()
    found = re.search(rf"^template <typename T>\nvoid {re.escape(name)}\(.*?^}}\n", text, flags=re.S | re.M)
    if found is None:
        raise ValueError(f"matmul.cpp defines no step function {name!r}")
    if "BEGIN LAB" in found.group():
        raise ValueError(f"{name} is written by students in a graded lab; its source is not shown")
    return found.group()


def compile_matmul_steps(sources: dict[str, str], timeout: float = 25.0,
                         build_directory: str | None = None) -> dict[str, MatmulStep]:
    """Compile {function name: C++ source} with load_inline into one library; a MatmulStep per name.

    The build runs in a forked child process killed after `timeout` seconds, in a fresh private folder unless
    build_directory is given. Raises CompileError with the compiler's first error lines when it fails.
    """
    for name in sources:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ValueError(f"{name!r} is not a C++ function name")
    code, starts = _PRELUDE + "namespace dlsys {\n", {}
    for name, source in sources.items():
        starts[name] = code.count("\n") + 1
        code += source.rstrip("\n") + "\n"
    code += "}  // namespace dlsys\n"
    code += "".join(_ENTRY.format(name=name, tag=tag, c=ctype.__name__[2:])
                    for name in sources for ctype, tag in _CTYPES.values())
    loaded = compile_library(code, timeout, build_directory, starts)
    return {name: MatmulStep(name, loaded) for name in sources}


def compile_library(code: str, timeout: float = 25.0, build_directory: str | None = None,
                    starts: dict[str, int] | None = None) -> ctypes.CDLL:
    """Compile one C++ translation unit (with `extern "C"` entry points) with load_inline and load it.

    In a fresh private folder unless build_directory is given; there a library already built from the same code
    is loaded without compiling. `starts` ({function name: first line}) places compiler errors in their function.
    """
    if build_directory is not None:
        return ctypes.CDLL(str(_build(code, starts or {}, Path(build_directory), timeout)))
    with tempfile.TemporaryDirectory(prefix="dlsys-inline-") as folder:  # removed once loaded (the mapping stays)
        return ctypes.CDLL(str(_build(code, starts or {}, Path(folder), timeout)))


def _build(code: str, starts: dict[str, int], folder: Path, timeout: float) -> Path:
    """Run load_inline in a forked child with a time limit (torch is already loaded, so the child starts at
    once); the path of the built shared library. The child reports a failure's message through a pipe."""
    name = "dlsys_inline_" + hashlib.sha256(code.encode()).hexdigest()[:12]
    if (folder / f"{name}.so").exists():  # the same code was built here before
        return folder / f"{name}.so"
    from torch.utils.cpp_extension import load_inline

    compiler = build_compiler()
    if compiler is None:
        raise CompileError("no C++ compiler found: install g++ (apt-get install g++) or set CXX to one")
    folder.mkdir(parents=True, exist_ok=True)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: build, say what went wrong, never return into the caller's code
        os.close(read_end)
        status = 1
        try:
            os.environ.update(_build_env(compiler))
            load_inline(name, [code], extra_cflags=cxx_flags(compiler), extra_ldflags=["-fopenmp"],
                        extra_include_paths=[str(KERNELS_DIR / "cpu")], build_directory=str(folder),
                        is_python_module=False, no_implicit_headers=True)
            status = 0
        except BaseException as err:  # noqa: BLE001 -- everything goes back to the parent as text
            os.write(write_end, str(err).encode()[-65536:])
        finally:
            os._exit(status)
    os.close(write_end)
    log = _read_until(read_end, pid, timeout)
    library = folder / f"{name}.so"
    if log is None:
        raise CompileError(f"compiling took longer than {timeout:g} s and was stopped")
    if log or not library.exists():
        raise CompileError("the C++ did not compile:\n" + _first_errors(log, starts), log)
    return library


def _first_errors(log: str, starts: dict[str, int], count: int = 5) -> str:
    """The compiler's first error lines, each placed in the source it belongs to ("matmul_tiled, line 3")."""
    shown = []
    for line, column, message in re.findall(r"main\.cpp:(\d+):(\d+): (?:fatal )?error: (.*)", log)[:count]:
        owner = max((start, name) for name, start in starts.items() if start <= int(line)) if starts else None
        where = f"{owner[1]}, line {int(line) - owner[0] + 1}" if owner else f"line {line}"
        shown.append(f"{where}, column {column}: error: {message}")
    return "\n".join(shown) or (log.strip().splitlines() or ["(no output)"])[-1]


def _read_until(fd: int, pid: int, timeout: float) -> str | None:
    """Everything the child writes to fd until it exits; None (and the child killed) after `timeout` seconds."""
    deadline, chunks = time.monotonic() + timeout, []
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                os.waitpid(pid, 0)
                return b"".join(chunks).decode(errors="replace")
            chunks.append(chunk)
    finally:
        os.close(fd)


def _build_env(compiler: str) -> dict:
    """The child's environment: our compiler, this Python's bin folder (ninja) first on PATH, plain ASCII messages."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, CXX=compiler, PATH=path, LC_ALL="C")


def registered_step(step: str):
    """The student's registered implementation of a cpu matmul step (lab05_kernels' "matmul_<step>"), or None."""
    from dlsys_lab import student

    key = (LAB, f"matmul_{step}")
    return student.implementation(*key) if key in student.registered(LAB) else None


def run_registered(step, a_storage, a_offsets, a_strides, b_storage, b_offsets, b_strides, m, n, k):
    """A registered step over a batch of views of two flat torch storages: the flat torch result (batch x m x n)."""
    import torch

    a_flat, b_flat = a_storage.numpy(), b_storage.numpy()
    out = [np.asarray(step(_view(a_flat, (a0, m, k, *a_strides)), _view(b_flat, (b0, k, n, *b_strides))))
           for a0, b0 in zip(a_offsets, b_offsets)]
    for c in out:
        if c.shape != (m, n) or c.dtype != a_flat.dtype:
            raise ValueError(f"the registered matmul step returned {c.dtype} {c.shape}, expected {a_flat.dtype} {(m, n)}")
    return torch.from_numpy(np.concatenate([c.reshape(-1) for c in out]) if out else np.empty(0, a_flat.dtype))
