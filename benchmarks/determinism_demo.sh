#!/usr/bin/env bash
# The determinism test of `make test` must fail on a nondeterministic change and pass on main
# (issue #9). In a throwaway clone: inject a per-process-salted seed into notebook 04's trainer, run
# tools/determinism.py (cold run, warm run with other thread settings, compare), then the same without
# the line. About 5 min on 2 cores. Writes nothing in this checkout. Results: benchmarks/results/determinism_demo.md
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
git clone -q "$ROOT" "$TMP/repo"
cd "$TMP/repo"
FILE=src/xmodal/papers/hyperbolic_gap/pipeline.py
export PYTHONPATH=$TMP/repo/src TQDM_DISABLE=1 XMODAL_SCALE=ci
check() {
  rm -rf "$TMP/cache" "$TMP/rep"
  XMODAL_CACHE=$TMP/cache "$PY" tools/determinism.py run --reports "$TMP/rep/cold" notebooks/04_hyperbolic_gap.ipynb
  XMODAL_CACHE=$TMP/cache OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 \
    "$PY" tools/determinism.py run --reports "$TMP/rep/warm" notebooks/04_hyperbolic_gap.ipynb
  "$PY" tools/determinism.py compare "$TMP/rep/cold" "$TMP/rep/warm"
}
sed -i 's/^\(\s*\)heads = build_heads(/\1seed = seed + hash(method) % 1000  # DEMO BUG: str hashes are salted per process\n\1heads = build_heads(/' $FILE
grep -q "DEMO BUG" $FILE || { echo "demo: could not inject the line into $FILE"; exit 2; }
if check; then echo "demo: FAILED — the determinism test passed on a nondeterministic change"; exit 1; fi
echo "demo: the determinism test caught the nondeterministic change (as it must)"
git checkout -q $FILE
check && echo "demo: main passes"
