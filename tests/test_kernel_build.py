"""The kernel build: cached by a hash of the sources, reused across processes, clear when impossible.

A fresh process imports the cached cpu extension without compiling (nothing on stderr says so).
"""
import os
import shutil
import subprocess
import sys

import pytest

import dlsys_lab.nd as nd
from dlsys_lab.kernels import build

CPU = nd.device("cpu")


@pytest.mark.skipif(not CPU.available(), reason=f"cpu: {CPU.status()}")
def test_a_second_process_reuses_the_cached_build():
    so_files = list(build.build_dir("cpu").glob("*.so"))
    assert so_files and build.build_info("cpu")["matmul_steps"] == ["naive", "tiled", "simd", "parallel"]
    before = {p: p.stat().st_mtime_ns for p in so_files}
    code = "import dlsys_lab.nd as nd; b = nd.device('cpu').backend; print(b.name)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "compiling" not in result.stderr and result.stdout.strip() == "cpu"
    assert {p: p.stat().st_mtime_ns for p in so_files} == before


def test_the_cache_key_changes_with_the_sources(tmp_path, monkeypatch):
    copy = tmp_path / "kernels"
    shutil.copytree(build.KERNELS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build, "KERNELS_DIR", copy)
    before = build.source_hash("cpu")
    with open(copy / "cpu" / "matmul.cpp", "a") as f:
        f.write("\n// an edit\n")
    assert build.source_hash("cpu") != before
    assert build.source_hash("cuda") == build.source_hash("cuda")


def test_no_compiler_gives_a_clear_error(tmp_path):
    env = dict(os.environ, CXX="no-such-compiler", DLSYS_KERNEL_CACHE=str(tmp_path))
    code = ("import dlsys_lab.nd as nd; d = nd.device('cpu'); print(d.available()); print(d.status())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    available, status = result.stdout.strip().splitlines()
    assert available == "False" and "no C++ compiler found" in status and "install g++" in status


def test_report_names_each_backend_and_the_cache():
    text = build.report()
    assert str(build.cache_root()) in text
    assert any(line.startswith("cpu: ") for line in text.splitlines())
    assert any(line.startswith("cuda: ") for line in text.splitlines())


@pytest.mark.skipif(shutil.which("g++") is None or shutil.which("ldd") is None, reason="needs g++ and ldd (Linux)")
def test_a_compiler_that_links_libstdcxx_statically_is_passed_over(tmp_path, monkeypatch, capsys):
    wrapper = tmp_path / "static-g++"  # like toolchain wrappers that add -static-libstdc++
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("g++")} "$@" -static-libstdc++\n')
    wrapper.chmod(0o755)
    assert build.links_libstdcxx_dynamically(shutil.which("g++"))
    assert not build.links_libstdcxx_dynamically(str(wrapper))
    monkeypatch.setenv("CXX", str(wrapper))
    chosen = build.build_compiler()
    assert chosen != str(wrapper) and build.links_libstdcxx_dynamically(chosen)
    assert "links libstdc++ statically" in capsys.readouterr().err
