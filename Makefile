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
# glibc backs torch's large blocks with transparent huge pages: a training step 15-35 % faster, the same bits
# (benchmarks/results/bench_malloc.md; make test's warm half runs without it and must give the cold run's results)
export GLIBC_TUNABLES ?= glibc.malloc.hugetlb=1
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# per-cell limit (s): 02's Part B cell takes ~1,300 s alone at default, and a 05 validate hit 1,800 s beside three jobs
TIMEOUT ?= 3600
# ci-scale runs write their reports here, never over the committed default reports in reports/.
CI_REPORTS ?= $(abspath .pytest-reports)
# the notebooks' determinism check starts from an empty cache of its own; the unit tests then reuse it (warm)
CI_CACHE ?= $(abspath .pytest-cache-ci)
# processes at once in make test (notebooks after 00, nbval, unit tests; one torch thread each at ci): 2 cores
JOBS ?= 2

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

test: $(STAMP) ## Every notebook at ci on an empty cache; then nbval (warm cache, other threads) beside the unit tests; compare
	@rm -rf $(CI_REPORTS) $(CI_CACHE)
	TQDM_DISABLE=1 XMODAL_SCALE=ci XMODAL_CACHE=$(CI_CACHE) $(BIN)/python tools/determinism.py run --jobs $(JOBS) \
		--reports $(CI_REPORTS)/cold --timeout $(TIMEOUT) $(NOTEBOOKS)
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-nbval test-unit
	$(BIN)/python tools/determinism.py compare $(CI_REPORTS)/cold $(CI_REPORTS)/warm

# The two halves make test runs side by side once the cold run has filled $(CI_CACHE) and $(CI_REPORTS)/cold
# (each prints its output when it ends). nbval: the second run of the determinism check, warm cache, other threads,
# glibc's default malloc.
test-nbval: $(STAMP)
	TQDM_DISABLE=1 XMODAL_SCALE=ci XMODAL_CACHE=$(CI_CACHE) XMODAL_REPORTS=$(CI_REPORTS)/warm OMP_NUM_THREADS=2 \
		MKL_NUM_THREADS=2 GLIBC_TUNABLES= $(BIN)/python -m pytest -q -p no:cacheprovider -n $(JOBS) --dist loadfile \
		--nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=$(TIMEOUT) notebooks

# the unit tests on the warm cache; the claim tests read the cold run's results.json (tests/_expected.py)
test-unit: $(STAMP)
	TQDM_DISABLE=1 XMODAL_SCALE=ci XMODAL_CACHE=$(CI_CACHE) XMODAL_CI_RESULTS=$(CI_REPORTS)/cold \
		XMODAL_REPORTS=$(CI_REPORTS)/unit OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest tests -q -p no:cacheprovider -n $(JOBS) --dist loadfile --durations=15

validate: $(STAMP) ## Re-execute at default in a fresh cache; verdicts and numbers must match reports/ (see tools/validate.py)
	@rm -rf .validate-reports .validate-cache executed/validate
	TQDM_DISABLE=1 XMODAL_CACHE=$(abspath .validate-cache) XMODAL_REPORTS=$(abspath .validate-reports) \
		$(BIN)/python tools/run_notebooks.py --scale default --out executed/validate --timeout $(TIMEOUT) $(NOTEBOOKS)
	$(BIN)/python tools/validate.py reports .validate-reports --topics $(notdir $(basename $(NOTEBOOKS)))

lab: $(STAMP) ## Open JupyterLab on notebooks/ (adds --allow-root when run as root, e.g. in a container)
	$(BIN)/jupyter lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) notebooks

students: $(STAMP) ## Hand-out copies of the notebooks without outputs or solutions, in students/
	$(BIN)/python tools/students.py --out students

bench: $(STAMP) ## Run the benchmarks (figures to benchmarks/results/)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean-cache: ## Delete the on-disk cache ($$XMODAL_CACHE, default ~/.cache/xmodal)
	@$(PYTHON) -c "import os,shutil,pathlib;p=pathlib.Path(os.environ.get('XMODAL_CACHE') or pathlib.Path.home()/'.cache'/'xmodal').expanduser();shutil.rmtree(p,ignore_errors=True);print('removed',p)"

clean: ## Remove .venv and test outputs (keeps the cache)
	rm -rf $(VENV) $(CI_REPORTS) $(CI_CACHE) .validate-reports .validate-cache

.PHONY: help install reproduce test test-nbval test-unit validate lab students bench clean-cache clean
