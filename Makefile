# xmodal — two commands on a fresh machine: `make reproduce` and `make test`. Both set themselves up.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# PORTABLE=1: pin torch's CPU kernels and MKL's code path (benchmarks/results/bench_portable_numerics.md:
# same bits on any x86 CPU is the aim, at ~3x the CPU time of training); OpenBLAS is left as the machine sets it
ifdef PORTABLE
export ATEN_CPU_CAPABILITY := default
export MKL_CBWR := COMPATIBLE
endif
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
TIMEOUT ?= 1800
# ci-scale runs write their reports here, never over the committed default reports in reports/.
CI_REPORTS ?= $(abspath .pytest-reports)
# the notebooks' determinism check starts from an empty cache of its own
CI_CACHE ?= $(abspath .pytest-cache-ci)

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing xmodal and its dependencies into $(VENV) (CPU torch through constraints.txt) ..."
	@$(BIN)/python -m pip install -q -c constraints.txt -e . 2>&1 | { grep -v "^WARNING: Location" || true; }
	@$(BIN)/python tools/check_env.py
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install everything (runs by itself before reproduce/test)

reproduce: $(STAMP) ## Execute every notebook at default scale and regenerate reports/ (XMODAL_SCALE=full for a GPU)
	@$(BIN)/python tools/run_notebooks.py --scale $${XMODAL_SCALE:-default} --timeout $(TIMEOUT) $(NOTEBOOKS)

test: $(STAMP) ## Unit tests, then every notebook at ci twice (cold cache; warm cache + other threads) and compare
	@rm -rf $(CI_REPORTS) $(CI_CACHE)
	TQDM_DISABLE=1 XMODAL_SCALE=ci XMODAL_REPORTS=$(CI_REPORTS)/unit $(BIN)/python -m pytest tests -q
	TQDM_DISABLE=1 XMODAL_SCALE=ci XMODAL_CACHE=$(CI_CACHE) $(BIN)/python tools/determinism.py run \
		--reports $(CI_REPORTS)/cold --timeout $(TIMEOUT) $(NOTEBOOKS)
	TQDM_DISABLE=1 XMODAL_SCALE=ci XMODAL_CACHE=$(CI_CACHE) XMODAL_REPORTS=$(CI_REPORTS)/warm OMP_NUM_THREADS=2 \
		MKL_NUM_THREADS=2 $(BIN)/python -m pytest -q -p no:cacheprovider \
		--nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=$(TIMEOUT) notebooks
	$(BIN)/python tools/determinism.py compare $(CI_REPORTS)/cold $(CI_REPORTS)/warm

validate: $(STAMP) ## Re-execute at default in a fresh cache; verdicts and numbers must match reports/ (see tools/validate.py)
	@rm -rf .validate-reports .validate-cache executed/validate
	TQDM_DISABLE=1 XMODAL_CACHE=$(abspath .validate-cache) XMODAL_REPORTS=$(abspath .validate-reports) \
		$(BIN)/python tools/run_notebooks.py --scale default --out executed/validate --timeout $(TIMEOUT) $(NOTEBOOKS)
	$(BIN)/python tools/validate.py reports .validate-reports --topics $(notdir $(basename $(NOTEBOOKS)))

lab: $(STAMP) ## Open JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks

bench: $(STAMP) ## Run the benchmarks (figures to benchmarks/results/)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean-cache: ## Delete the on-disk cache ($$XMODAL_CACHE, default ~/.cache/xmodal)
	@$(PYTHON) -c "import os,shutil,pathlib;p=pathlib.Path(os.environ.get('XMODAL_CACHE') or pathlib.Path.home()/'.cache'/'xmodal').expanduser();shutil.rmtree(p,ignore_errors=True);print('removed',p)"

clean: ## Remove .venv and test outputs (keeps the cache)
	rm -rf $(VENV) $(CI_REPORTS) $(CI_CACHE) .validate-reports .validate-cache

.PHONY: help install reproduce test validate lab bench clean-cache clean
