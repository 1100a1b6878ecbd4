"""pairwise_dist on 4,096 × 4,096 points (D = 64, float32, one thread): xmodal.hyperbolic vs geoopt, same run.

Writes ``benchmarks/results/bench_lorentz.md``.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch

from xmodal.hyperbolic import lorentz as L


def _best(fn, repeat=5) -> float:
    fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main() -> None:
    import geoopt

    torch.set_num_threads(1)
    c = 1.0
    g = torch.Generator().manual_seed(0)
    x = L.exp_map0(torch.randn(4096, 64, generator=g) * 0.3, c)
    y = L.exp_map0(torch.randn(4096, 64, generator=g) * 0.3, c)
    man = geoopt.Lorentz(k=torch.tensor(1.0 / c))
    fx = torch.cat([L.time_component(x, c)[:, None], x], 1)
    fy = torch.cat([L.time_component(y, c)[:, None], y], 1)
    with torch.no_grad():
        ours = _best(lambda: L.pairwise_dist(x, y, c))
        theirs = _best(lambda: man.dist(fx[:, None, :], fy[None, :, :]))
        err = float((L.pairwise_dist(x, y, c) - man.dist(fx[:, None, :], fy[None, :, :])).abs().max())
    lines = ["# Lorentz pairwise distance, 4,096 × 4,096, D = 64, float32, one thread", "",
             "| implementation | best of 5 (s) |", "|---|---|", f"| xmodal.hyperbolic.pairwise_dist | {ours:.3f} |",
             f"| geoopt Lorentz.dist (broadcast) | {theirs:.3f} |", "",
             f"Ratio geoopt / ours: {theirs / ours:.1f}×; max abs difference {err:.2e}."]
    out = Path(__file__).resolve().parent / "results" / "bench_lorentz.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
