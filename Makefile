# dlsys-lab: everything runs through .venv (the course) and .venv-mxnet (MXNet 1.9, which needs NumPy 1.23);
# .venv-scalesim and .venv-tvm hold tools our checks compare with, each run as a separate process.
#   make lab    set up (once) and start JupyterLab on 127.0.0.1 at the repository root
#   make test   set up (once), build our kernels (once) and run the whole test suite
# Set-up steps leave a stamp inside each venv, newer than the files they read, so a second run installs nothing.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first working Python among 3.11 (recommended), 3.12, 3.13, 3.10 and python3 on PATH;
# override with `make lab PYTHON=/path/to/python3.x`.
ifndef PYTHON
PYTHON := $(shell for p in python3.11 python3.12 python3.13 python3.10 python3; do \
            command -v $$p >/dev/null 2>&1 && $$p -c "" >/dev/null 2>&1 && { command -v $$p; break; }; done)
endif
# PyTorch goes in first, alone, so nothing else can pull a multi-GB CUDA build. Another build: TORCH_SPEC=...
# (for example TORCH_SPEC="torch==2.13.0 --index-url <PyTorch's CPU wheel index>" on machines without a local wheel).
TORCH_SPEC ?= torch==2.13.0
VENV := .venv
MXVENV := .venv-mxnet
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.dlsys-installed
KERNELSPEC := $(VENV)/share/jupyter/kernels/dlsys-lab/kernel.json
MX_INSTALLED := $(MXVENV)/.dlsys-installed
SSVENV := .venv-scalesim
SS_INSTALLED := $(SSVENV)/.dlsys-installed
TVMVENV := .venv-tvm
TVM_INSTALLED := $(TVMVENV)/.dlsys-installed
PORT ?= 8888
LAB_ARGS ?=
# Two workers on the 2-core CI machine; modules sharing one expensive grading run stay on one worker.
PYTEST_ARGS ?= -n 2 --dist loadgroup --durations=25
JOBS ?= 2

.PHONY: help lab hub hub-down test setup mxnet scalesim kernels chromium doctor release check grade bench figures clean

help:  ## list the targets
	@echo "make lab      set up .venv (once) and start JupyterLab on http://127.0.0.1:$(PORT)"
	@echo "make hub      (root) a demo class on JupyterHub at http://127.0.0.1:$(HUB_PORT): instructor + 2 students"
	@echo "make hub-down remove the demo class (its Unix users, homes and .hub/)"
	@echo "make test     set up (once), build kernels (once), run the whole test suite"
	@echo "make doctor   environment report (dlsys doctor)"
	@echo "make release  regenerate release/ from source/ (all labs)"
	@echo "make check    instructor self-check of every lab (solution full, blank 0, mutants caught)"
	@echo "make grade LAB=lab01_models SUBMISSIONS=path/to/submissions [JOBS=2]"
	@echo "make bench    run every benchmark in bench/ (prints ratios measured in one run)"
	@echo "make clean    remove the virtual environments and test caches"

$(INSTALLED): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No python3 found. Install Python 3.10 to 3.13 (3.11 recommended) and re-run, or pass PYTHON=/path/to/python3.11." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' || { \
	  echo "$(PYTHON) is Python $$($(PYTHON) -c 'import sys; print(*sys.version_info[:3], sep=".")'); dlsys-lab needs Python 3.10 to 3.13 (3.11 recommended). Install one and re-run, or pass PYTHON=/path/to/python3.11." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# The course's kernel (dlsys_lab/kernelspec.py says how it is set up); re-registered when that file changes.
$(KERNELSPEC): $(INSTALLED) dlsys_lab/kernelspec.py
	$(BIN)/python -m dlsys_lab.kernelspec >/dev/null

# MXNet 1.9.1 needs NumPy < 1.24, so it lives in its own venv with its own Jupyter kernel, registered in .venv;
# its ONNX exporter (mx.onnx) imports onnx.mapping, which onnx removed in 1.16.
$(MX_INSTALLED): Makefile $(INSTALLED)
	@test -x $(MXVENV)/bin/python || $(PYTHON) -m venv $(MXVENV)
	$(MXVENV)/bin/python -m pip install --quiet mxnet==1.9.1 numpy==1.23.5 'scikit-learn<1.4' 'onnx==1.15.0' ipykernel
	$(MXVENV)/bin/python -m ipykernel install --prefix "$(CURDIR)/$(VENV)" --name mxnet-legacy --display-name "MXNet 1.9 (legacy)" 2>/dev/null
	@touch $@

setup: $(INSTALLED) $(KERNELSPEC) $(MX_INSTALLED)  ## install everything (once)

mxnet: $(MX_INSTALLED)

# SCALE-Sim 3.0.0, the systolic-array simulator tests/test_hardware_scalesim.py checks ours against, fails on
# NumPy 2.4 and works with 2.3, so it gets a venv of its own; the tests run it as a separate process.
$(SS_INSTALLED): Makefile
	@test -x $(SSVENV)/bin/python || $(PYTHON) -m venv $(SSVENV)
	$(SSVENV)/bin/python -m pip install --quiet scalesim==3.0.0 numpy==2.3.5
	@touch $@

scalesim: $(SS_INSTALLED)

# Apache TVM 0.27 (about 420 MB with its LLVM), which week 8 compares our DSL's schedules with, in its own venv;
# dlsys_lab/dsl/tvm_twin.py runs in it as a separate process.
$(TVM_INSTALLED): Makefile
	@test -x $(TVMVENV)/bin/python || $(PYTHON) -m venv $(TVMVENV)
	$(TVMVENV)/bin/python -m pip install --quiet 'apache-tvm==0.27.*'
	@touch $@

.PHONY: tvm
tvm: $(TVM_INSTALLED)
test bench: tvm  # TVM's venv is a prerequisite of both (tests/test_dsl_tvm.py, bench/dsl.py)

kernels: setup  ## build our C++ kernels once (cached by source hash; a no-op when built)
	$(BIN)/python -m dlsys_lab.kernels.build

# JupyterLab, its terminals and its kernels find the venv's commands first on PATH (`dlsys` in a terminal, the
# `alembic` that nbgrader runs); jupyter/ holds the course's JupyterLab settings (no news pop-up). The gradebook is
# made (or repaired) and the nbgrader exchange (exchange/, see autograder/nbgrader_config.py) created first.
LAB_ENV = VIRTUAL_ENV="$(CURDIR)/$(VENV)" PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}"

lab: setup
	@mkdir -p exchange
	@$(BIN)/python -m autograder.gradebook gradebook.db
	$(LAB_ENV) $(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# A class on JupyterHub (autograder/README.md, "A class on JupyterHub"): hub/democlass.py makes the demo class (its
# students are Unix users, so it needs root; elsewhere it explains and stops) and runs JupyterHub in the foreground
# on 127.0.0.1:$(HUB_PORT) until Ctrl-C. JupyterHub comes from the `hub` extra, configurable-http-proxy from npm into
# .hub/node_modules; all state (hub database, passwords, students' homes) lives in .hub/, which `make hub-down` removes.
HUB := .hub
HUB_PORT ?= 8000
HUB_STUDENTS ?= dlsys-student1,dlsys-student2
HUB_INSTALLED := $(VENV)/.dlsys-hub-installed
HUB_PROXY := $(HUB)/node_modules/.bin/configurable-http-proxy

$(HUB_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,hub]'
	@touch $@

$(HUB_PROXY):
	@command -v npm >/dev/null || { echo "make hub needs node and npm (for configurable-http-proxy)" >&2; exit 1; }
	npm install --no-audit --no-fund --prefix $(HUB) configurable-http-proxy@5

hub:
	@if [ "$$(id -u)" != 0 ]; then echo "make hub: not started. The demo class needs root: its students are Unix users \
	(useradd) and JupyterHub starts each user's server as that user. Run it as root, or see autograder/README.md \
	for a real deployment."; else $(MAKE) --no-print-directory hub-run; fi

.PHONY: hub-run
hub-run: setup $(HUB_INSTALLED) $(HUB_PROXY)
	$(BIN)/python hub/democlass.py run --state $(HUB) --port $(HUB_PORT) --students $(HUB_STUDENTS)

# tests/test_hub.py's prerequisites where they can be had (root, node and npm); elsewhere that test skips, saying why
.PHONY: hub-deps
hub-deps: setup
	@if [ "$$(id -u)" = 0 ] && command -v npm >/dev/null; then $(MAKE) --no-print-directory $(HUB_INSTALLED) $(HUB_PROXY); fi

hub-down:
	@test -x $(BIN)/python || { echo "no $(VENV): nothing to remove"; exit 0; }; $(BIN)/python hub/democlass.py down --state $(HUB)

# The browser tests (tests/test_browser.py) drive Debian's chromium with Playwright (a test extra); as root with
# apt-get, chromium is installed when missing; elsewhere those tests skip, naming the command.
chromium:
	@command -v chromium >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && \
	  { apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }; } >/dev/null 2>&1; } || \
	  echo "chromium is not installed, so tests/test_browser.py will skip (as root: apt-get install -y chromium)"

test: kernels scalesim chromium hub-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

doctor: setup
	$(BIN)/dlsys doctor

release: setup
	$(BIN)/dlsys release --all

check: setup
	$(BIN)/dlsys check

grade: setup
	@test -n "$(LAB)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade LAB=lab01_models SUBMISSIONS=path/to/submissions [JOBS=2]" >&2; exit 2; }
	$(BIN)/dlsys grade $(LAB) $(SUBMISSIONS) --jobs $(JOBS)

bench: kernels
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

figures: kernels  ## full runs of the notebooks whose markdown cites measured figures, each on a quiet machine, then fill
	$(BIN)/python -m dlsys_lab.bench.figures run $(NOTEBOOKS)

clean:
	rm -rf $(VENV) $(MXVENV) $(SSVENV) $(TVMVENV) .pytest_cache .hypothesis
