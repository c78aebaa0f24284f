"""Builds the compiled backends with torch.utils.cpp_extension, cached by a hash of sources and flags.

`python -m dlsys_lab.kernels.build` builds every backend this machine supports and prints the report.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KERNELS_DIR = Path(__file__).resolve().parent
SOURCES = {
    "cpu": ["cpu/ndarray_cpu.cpp", "cpu/elementwise.cpp", "cpu/matmul.cpp", "cpu/qmatmul.cpp", "cpu/half_ops.cpp"],
    "cuda": ["cuda/bindings.cpp", "cuda/ndarray_cuda.cu"],
}
BASE_CXX_FLAGS = ["-O3", "-fopenmp"]  # the C++ standard is torch's own
CUDA_FLAGS = ["-O3"]
BUILD_INFO = "build_info.json"
_loaded: dict[str, object] = {}


class BuildError(RuntimeError):
    """The kernels could not be built; the message says what to install or set."""


def cache_root() -> Path:
    """Where built kernels live: $DLSYS_KERNEL_CACHE, else ~/.cache/dlsys_lab/kernels."""
    default = Path.home() / ".cache" / "dlsys_lab" / "kernels"
    return Path(os.environ.get("DLSYS_KERNEL_CACHE", default))


def find_compiler() -> str | None:
    """The C++ compiler asked for ($CXX, else c++), or None when there is none."""
    return shutil.which(os.environ.get("CXX", "c++"))


def links_libstdcxx_dynamically(compiler: str) -> bool:
    """Whether a shared library built by `compiler` uses the system's libstdc++.so, as torch does.

    A private static copy (some toolchain wrappers add -static-libstdc++) breaks C++ exceptions that cross
    into torch: a kernel's "view reaches outside its storage" error then crashes Python instead of raising.
    """
    ldd = shutil.which("ldd")
    if ldd is None:
        return True  # not Linux: nothing to check this way
    with tempfile.TemporaryDirectory() as tmp:
        source, library = Path(tmp, "probe.cpp"), Path(tmp, "probe.so")
        source.write_text('#include <stdexcept>\nvoid probe() { throw std::runtime_error("probe"); }\n')
        compiled = subprocess.run([compiler, "-shared", "-fPIC", str(source), "-o", str(library)],
                                  capture_output=True, text=True)
        if compiled.returncode != 0:
            return True  # cannot tell; the build itself will report the compiler's error
        needed = subprocess.run([ldd, str(library)], capture_output=True, text=True).stdout
    return "libstdc++" in needed


def build_compiler() -> str | None:
    """find_compiler(), or the first c++/g++ on PATH instead when it links libstdc++ statically."""
    wanted = find_compiler()
    if wanted is None or links_libstdcxx_dynamically(wanted):
        return wanted
    for name in ("c++", "g++"):
        other = shutil.which(name)
        if other and os.path.realpath(other) != os.path.realpath(wanted) and links_libstdcxx_dynamically(other):
            print(f"dlsys_lab: {wanted} links libstdc++ statically, so errors raised in the kernels would crash "
                  f"Python; building with {other} instead", file=sys.stderr, flush=True)
            return other
    print(f"dlsys_lab: warning: {wanted} links libstdc++ statically and no other compiler was found; errors "
          f"raised in the kernels may crash Python (set CXX to a g++ that links libstdc++.so)", file=sys.stderr)
    return wanted


def _cpu_model() -> str:
    # -march=native code must not be reused on another kind of CPU sharing the same home directory.
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith("model name")), platform.processor())
    except OSError:
        return platform.processor()


def source_hash(backend: str) -> str:
    """A key for the build: files in common/ and <backend>/, this script, flags, compiler, torch, Python, CPU."""
    import torch

    digest = hashlib.sha256()
    for path in sorted((KERNELS_DIR / "common").iterdir()) + sorted((KERNELS_DIR / backend).iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(Path(__file__).read_bytes())  # how a build is made (the compiler choice) is part of it
    for part in (BASE_CXX_FLAGS, CUDA_FLAGS, find_compiler(), torch.__version__, sys.version, _cpu_model()):
        digest.update(repr(part).encode())
    return digest.hexdigest()[:16]


def build_dir(backend: str) -> Path:
    """The cache folder of this backend's current sources."""
    return cache_root() / f"{backend}-{source_hash(backend)}"


def module_name(backend: str) -> str:
    """The extension's import name; it changes with the sources so old and new never clash."""
    return f"dlsys_{backend}_{source_hash(backend)}"


def _compiler_accepts(compiler: str, flag: str) -> bool:
    result = subprocess.run([compiler, flag, "-x", "c++", "-E", "-", "-o", os.devnull],
                            input="", capture_output=True, text=True)
    return result.returncode == 0


def cxx_flags(compiler: str) -> list[str]:
    """The C++ flags of a build: -O3, OpenMP, and -march=native where the compiler accepts it."""
    return BASE_CXX_FLAGS + (["-march=native"] if _compiler_accepts(compiler, "-march=native") else [])


def cuda_unavailable_reason() -> str | None:
    """Why the cuda backend cannot run here, or None when it can."""
    import torch

    if torch.version.cuda is None:
        return f"torch {torch.__version__} was built without CUDA (install a CUDA build of torch)"
    if not torch.cuda.is_available():
        return "no GPU: torch.cuda.is_available() is False"
    if shutil.which("nvcc") is None and not os.environ.get("CUDA_HOME"):
        return "no CUDA toolkit: nvcc not found (install it or set CUDA_HOME)"
    return None


def _import_built(backend: str, directory: Path):
    name = module_name(backend)
    path = next(directory.glob(f"{name}*.so"), None) or next(directory.glob(f"{name}*.pyd"), None)
    if path is None:
        raise BuildError(f"{directory} holds no {name} module; delete that folder to rebuild the kernels")
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _compile(backend: str, directory: Path, verbose: bool):
    from torch.utils import cpp_extension

    compiler = build_compiler()
    if compiler is None:
        raise BuildError("no C++ compiler found: install g++ (apt-get install g++) or set CXX to one")
    if backend == "cuda" and (reason := cuda_unavailable_reason()):
        raise BuildError(f"cannot build the cuda kernels: {reason}")
    directory.mkdir(parents=True, exist_ok=True)
    print(f"dlsys_lab: compiling the {backend} kernels into {directory} (first use; about 30-60 s)...",
          file=sys.stderr, flush=True)
    start = time.perf_counter()
    flags, name = cxx_flags(compiler), module_name(backend)  # the name is keyed by the compiler asked for
    asked, os.environ["CXX"] = os.environ.get("CXX"), compiler  # the compiler cpp_extension runs
    try:
        module = cpp_extension.load(
            name=name,
            sources=[str(KERNELS_DIR / rel) for rel in SOURCES[backend]],
            extra_cflags=flags, extra_ldflags=["-fopenmp"],
            extra_cuda_cflags=CUDA_FLAGS if backend == "cuda" else None,
            build_directory=str(directory), verbose=verbose)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
        raise BuildError(f"building the {backend} kernels failed ({err}); rerun "
                         f"`python -m dlsys_lab.kernels.build --verbose` to see the compiler output") from err
    finally:
        if asked is None:
            del os.environ["CXX"]
        else:
            os.environ["CXX"] = asked
    seconds = time.perf_counter() - start
    info = {"backend": backend, "build_seconds": round(seconds, 1), "compiler": compiler,
            "flags": flags + (["nvcc:", *CUDA_FLAGS] if backend == "cuda" else []),
            "matmul_steps": list(module.MATMUL_STEPS), "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    tmp = directory / f"{BUILD_INFO}.{os.getpid()}"
    tmp.write_text(json.dumps(info, indent=1))
    tmp.replace(directory / BUILD_INFO)  # atomic: other processes see a finished build or none
    print(f"dlsys_lab: built the {backend} kernels in {seconds:.1f} s", file=sys.stderr, flush=True)
    return module


def build(backend: str = "cpu", verbose: bool = False):
    """The backend's extension module: imported from the cache, or compiled first (once)."""
    if backend not in SOURCES:
        raise ValueError(f"unknown backend {backend!r}; compiled backends are: {', '.join(SOURCES)}")
    if backend not in _loaded:
        import torch  # noqa: F401  (loads libtorch, which the extension links against)

        directory = build_dir(backend)
        if (directory / BUILD_INFO).exists():
            _loaded[backend] = _import_built(backend, directory)
        else:
            _loaded[backend] = _compile(backend, directory, verbose)
    return _loaded[backend]


def build_info(backend: str) -> dict | None:
    """What the cached build recorded (time, flags, matmul steps), or None when not built yet."""
    path = build_dir(backend) / BUILD_INFO
    return json.loads(path.read_text()) if path.exists() else None


def report() -> str:
    """Lines for `dlsys doctor`: each compiled backend, built or not, its cache and matmul steps."""
    lines = [f"kernel cache: {cache_root()}", f"C++ compiler: {find_compiler() or 'none found (install g++)'}"]
    for backend in SOURCES:
        info = build_info(backend)
        if info:
            lines.append(f"{backend}: built in {info['build_seconds']} s by {info['compiler']} "
                         f"({' '.join(info['flags'])}) at {build_dir(backend)}; "
                         f"matmul steps: {', '.join(info['matmul_steps'])}")
        elif backend == "cuda" and (reason := cuda_unavailable_reason()):
            lines.append(f"cuda: not built: {reason}")
        else:
            lines.append(f"{backend}: not built yet (built on first use, or run python -m dlsys_lab.kernels.build)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the cpu kernels (and cuda where usable), then print the report."""
    argv = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in argv
    build("cpu", verbose=verbose)
    if cuda_unavailable_reason() is None:
        build("cuda", verbose=verbose)
    print(report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
