"""Benchmark: DGCNN forward+backward throughput (points/s), textbook EdgeConv vs the fast one.

Naive (the form DGCNN had before issue #14, kept as ``DGCNN.forward_features(naive=True)``): kNN from the
(B, N, N, C) tensor of differences, then the (B, N, k, 2C) edge tensor ``[x_i ‖ x_j − x_i]`` through the
Linear. Fast (the default): kNN from ``|a|² + |b|² − 2ab`` in query chunks (one batched matmul + topk per
chunk), and the Linear split as ``(W_a − W_b) x_i + W_b x_j`` so only a (B, N, k, w) tensor is gathered.
Both compute the same function with the same parameters (checked: max |Δ| of the outputs).

Timing: one thread (the project's runtime policy), train mode, ``--repeats`` timed forward+backward steps
after one warm-up, best and median; points/s = B · N / time. The machine may be shared: load average is
recorded next to the numbers.

Run: ``python benchmarks/bench_dgcnn.py [--batch 8 --points 1024 --k 20 --repeats 3]`` →
benchmarks/results/bench_dgcnn.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from xmodal.encoders.pointcloud import DGCNN

RESULTS = Path(__file__).parent / "results"


def _step(model, x, naive: bool) -> float:
    t = time.perf_counter()
    per_point, glob = model.forward_features(x, naive=naive)
    (glob.square().mean() + per_point.mean()).backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--points", type=int, default=1024)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-save", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = DGCNN(out_dim=256, k=a.k).train()
    x = torch.randn(a.batch, a.points, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.eval()
        diff = (model.forward_features(x)[1] - model.forward_features(x, naive=True)[1]).abs().max().item()
        model.train()
    rows = {}
    for name, naive in (("naive", True), ("fast", False)):
        _step(model, x, naive)
        ts = sorted(_step(model, x, naive) for _ in range(a.repeats))
        rows[name] = {"best_s": ts[0], "median_s": ts[len(ts) // 2],
                      "points_per_s": a.batch * a.points / ts[0]}
    out = {"batch": a.batch, "points": a.points, "k": a.k, "threads": 1, "repeats": a.repeats,
           "max_abs_diff_eval": diff, "load_avg": os.getloadavg(), **rows,
           "speedup": rows["naive"]["best_s"] / rows["fast"]["best_s"]}
    md = (f"# DGCNN forward+backward, B={a.batch}, N={a.points}, k={a.k}, 1 thread\n\n"
          f"| EdgeConv | best s/step | median s/step | points/s |\n|---|---|---|---|\n"
          + "".join(f"| {n} | {r['best_s']:.3f} | {r['median_s']:.3f} | {r['points_per_s']:.0f} |\n"
                    for n, r in rows.items())
          + f"\nspeed-up ×{out['speedup']:.1f}; max |Δ| of global outputs (eval) {diff:.2e}; "
            f"load average {out['load_avg'][0]:.2f} (shared machine: measured under load)\n")
    print(md)
    if not a.no_save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "bench_dgcnn.json").write_text(json.dumps(out, indent=1) + "\n")
        (RESULTS / "bench_dgcnn.md").write_text(md)


if __name__ == "__main__":
    main()
