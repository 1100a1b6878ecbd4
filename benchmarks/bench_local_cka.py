"""Benchmark: local CKA closed form vs the brute-force definition, and linear CKA memory.

Paper 01 protocol: 500 x 500 query pairs, 30,000 anchors, 512-d (raw) and 50-d (CCA subspace).
The brute-force loop (one CKA of size n_A + 1 per pair) is timed on a small block of pairs and
extrapolated linearly to all 250,000 pairs; the closed form is checked against it on that block.
Goal: >= 1000x faster and exact (max abs difference ~ 1e-12).
Also: linear CKA on 30,000 x 512 (time, peak extra memory via tracemalloc; an n x n float64
matrix would take 7.2 GB).

Run: python benchmarks/bench_local_cka.py  -> benchmarks/results/bench_local_cka.{json,md}
"""
from __future__ import annotations

import json
import os
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np

from xmodal.align import cka, local_cka, local_cka_bruteforce
from xmodal.seed import make_rng

N_ANCHORS, N_QUERIES = 30_000, 500
# (dimension, brute-force block rows, block cols): small blocks keep the whole run under ~2 minutes
CASES = [(512, 3, 3), (50, 8, 10)]
RESULTS = Path(__file__).parent / "results"


def _data(dim: int, rng: np.random.Generator):
    """Paired features with a shared 16-d latent plus private noise. (n_A + Q, dim) each."""
    n = N_ANCHORS + N_QUERIES
    Z = rng.standard_normal((n, 16))
    X = Z @ rng.standard_normal((16, dim)) + 2.0 * rng.standard_normal((n, dim))
    Y = Z @ rng.standard_normal((16, dim)) + 2.0 * rng.standard_normal((n, dim))
    return X[:N_ANCHORS], Y[:N_ANCHORS], X[N_ANCHORS:], Y[N_ANCHORS:]


def _timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def bench_local(dim: int, bi: int, bj: int) -> dict:
    XA, YA, Xq, Yq = _data(dim, make_rng(0, "bench_local_cka", dim))
    fast, t_fast = _timed(lambda: local_cka(XA, YA, Xq, Yq), repeat=3)
    slow, t_block = _timed(lambda: local_cka_bruteforce(XA, YA, Xq[:bi], Yq[:bj]))
    per_pair = t_block / (bi * bj)
    t_slow_all = per_pair * N_QUERIES**2
    diag_hits = float(np.mean(fast.argmax(1) == np.arange(N_QUERIES)))
    return {
        "dim": dim,
        "n_anchors": N_ANCHORS,
        "n_query_pairs": N_QUERIES**2,
        "closed_form_s": t_fast,
        "bruteforce_block_pairs": bi * bj,
        "bruteforce_block_s": t_block,
        "bruteforce_per_pair_s": per_pair,
        "bruteforce_all_pairs_extrapolated_s": t_slow_all,
        "speedup": t_slow_all / t_fast,
        "max_abs_diff_on_block": float(np.max(np.abs(fast[:bi, :bj] - slow))),
        # local CKA scores differ only by O(1/n_A): the spread shows the error is far below the signal
        "score_spread_max_minus_min": float(fast.max() - fast.min()),
        "top1_of_true_partner": diag_hits,
    }


def bench_cka_memory(n: int = N_ANCHORS, dim: int = 512) -> dict:
    rng = make_rng(0, "bench_cka_memory")
    X = rng.standard_normal((n, dim))
    Y = X @ rng.standard_normal((dim, dim)) / np.sqrt(dim) + rng.standard_normal((n, dim))
    out = {"n": n, "dim": dim, "input_mb_each": X.nbytes / 2**20, "nxn_float64_mb": n * n * 8 / 2**20}
    for debiased in (False, True):
        cka(X[:100], Y[:100], debiased=debiased)  # warm-up
        tracemalloc.start()
        val, t = _timed(lambda: cka(X, Y, debiased=debiased), repeat=2)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        key = "debiased" if debiased else "biased"
        out[key] = {"value": val, "time_s": t, "peak_extra_mb": peak / 2**20}
    return out


def _env() -> dict:
    try:
        from threadpoolctl import threadpool_info

        blas = [(i.get("internal_api"), i.get("num_threads")) for i in threadpool_info()]
    except Exception:  # pragma: no cover - optional
        blas = []
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "blas": blas,
        "machine": platform.machine(),
        "load_avg_1m_at_start": os.getloadavg()[0],  # cores are shared: timings are noisy under load
    }


def _markdown(res: dict) -> str:
    lines = [
        "# bench_local_cka",
        "",
        f"Local CKA, {N_ANCHORS:,} anchors, {N_QUERIES} x {N_QUERIES} query pairs, float64. "
        "Brute force = one full linear CKA of size n_A+1 per pair, timed on a block and extrapolated.",
        "",
        "| dim | closed form (s) | brute force / pair (s) | brute force all pairs, extrapolated (s) | speedup | max abs diff (block) | score spread (max-min) | block pairs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["local_cka"]:
        lines.append(
            f"| {r['dim']} | {r['closed_form_s']:.3f} | {r['bruteforce_per_pair_s']:.4f} | "
            f"{r['bruteforce_all_pairs_extrapolated_s']:,.0f} | {r['speedup']:,.0f}x | "
            f"{r['max_abs_diff_on_block']:.1e} | {r['score_spread_max_minus_min']:.1e} | {r['bruteforce_block_pairs']} |"
        )
    m = res["cka_memory"]
    lines += [
        "",
        f"Linear CKA on {m['n']:,} x {m['dim']} (inputs {m['input_mb_each']:.0f} MB each; "
        f"an n x n float64 Gram matrix would be {m['nxn_float64_mb']:,.0f} MB):",
        "",
        "| variant | CKA | time (s) | peak extra memory (MB, tracemalloc) |",
        "|---|---|---|---|",
    ]
    for key in ("biased", "debiased"):
        v = m[key]
        lines.append(f"| {key} | {v['value']:.4f} | {v['time_s']:.3f} | {v['peak_extra_mb']:.0f} |")
    lines += ["", f"Environment: `{json.dumps(res['env'])}`", f"Total wall time: {res['total_s']:.1f} s", ""]
    return "\n".join(lines)


def main() -> dict:
    t0 = time.perf_counter()
    res = {"local_cka": [], "env": _env()}
    for dim, bi, bj in CASES:
        r = bench_local(dim, bi, bj)
        print(
            f"local CKA dim={dim}: closed form {r['closed_form_s']:.3f} s, brute force "
            f"{r['bruteforce_per_pair_s']:.4f} s/pair -> {r['bruteforce_all_pairs_extrapolated_s']:,.0f} s "
            f"for all pairs, speedup {r['speedup']:,.0f}x, max abs diff {r['max_abs_diff_on_block']:.1e}"
        )
        res["local_cka"].append(r)
    res["cka_memory"] = m = bench_cka_memory()
    for key in ("biased", "debiased"):
        print(
            f"linear CKA ({key}) {m['n']}x{m['dim']}: {m[key]['time_s']:.3f} s, "
            f"peak extra {m[key]['peak_extra_mb']:.0f} MB (n x n would be {m['nxn_float64_mb']:,.0f} MB)"
        )
    res["total_s"] = time.perf_counter() - t0
    res["goal_met"] = all(r["speedup"] >= 1000 and r["max_abs_diff_on_block"] < 1e-9 for r in res["local_cka"])
    print(f"goal (>= 1000x and exact to 1e-9) met: {res['goal_met']}; total {res['total_s']:.1f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_local_cka.json").write_text(json.dumps(res, indent=2) + "\n")
    (RESULTS / "bench_local_cka.md").write_text(_markdown(res))
    return res


if __name__ == "__main__":
    main()
