"""Benchmark: the whole ModelNet40-C suite (15 corruptions × 5 severities, ``xmodal.data.corruptions``) over
1,000 world clouds of 1,024 points, in 2 processes.

Goal (issue #12): ≤ 2 min wall clock for the 75 variants of all 1,000 clouds with 2 processes.

Workload: 1,000 procedural objects ``xmodal.world.make_shape(category, index, seed=0)`` — the 40 categories ×
25 indices — each with its mesh (occlusion, lidar) and ``sample_points(2048, seed=0)`` as the 2048-point source
(density_inc); the 1,024-point cloud the other corruptions get is a fixed random half of it. The objects are made
in the workers before the clock starts (setup is reported separately, not counted in the goal).

Timing: the clouds are split into 2 contiguous chunks, one per worker process (``concurrent.futures``,
*spawn*); each worker times every ``corrupt`` call with ``perf_counter`` and sums per corruption. Reported: the
wall time of the whole suite (from submitting to the last result, setup excluded), the per-corruption worker
seconds (summed over both workers, all clouds and severities) and ms per call. BLAS / OpenMP threads are pinned to
1 before NumPy is imported. The machine may be shared: load averages are recorded next to the numbers.

Run: ``python benchmarks/bench_corruptions.py [--clouds 1000] [--workers 2]`` →
``benchmarks/results/bench_corruptions.{md,png}``.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("TQDM_DISABLE", "1")

import argparse  # noqa: E402
import multiprocessing as mp  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

RESULTS = Path(__file__).parent / "results"
GOAL_S = 120.0
N_POINTS = 1024
SEVERITIES = (1, 2, 3, 4, 5)


def _objects(lo: int, hi: int):
    """Objects ``lo .. hi-1`` of the workload: ``[(cloud (1024, 3), source (2048, 3), mesh)]``."""
    from xmodal.seed import make_rng
    from xmodal.world import CATEGORY_NAMES, make_shape

    out = []
    for i in range(lo, hi):
        shape = make_shape(CATEGORY_NAMES[i % 40], i // 40, seed=0)
        source = shape.sample_points(2048, seed=0)[0]
        half = make_rng(0, "bench_corruptions", i).choice(2048, N_POINTS, replace=False)
        out.append((source[half], source, shape.mesh))
    return out


def _setup(lo: int, hi: int) -> float:
    """Build this worker's objects once (kept in a module global) and return the seconds it took."""
    global _OBJECTS
    t = time.perf_counter()
    _OBJECTS = _objects(lo, hi)
    return time.perf_counter() - t


def _run(lo: int) -> dict[str, float]:
    """Seconds per corruption over this worker's objects and the 5 severities."""
    from xmodal.data.corruptions import CORRUPTIONS, corrupt
    from xmodal.seed import make_rng

    secs = dict.fromkeys(CORRUPTIONS, 0.0)
    for j, (cloud, source, mesh) in enumerate(_OBJECTS):
        for name in CORRUPTIONS:
            pts = source if name == "density_inc" else cloud
            for s in SEVERITIES:
                rng = make_rng(0, "bench_corruptions", lo + j, name, s)
                t = time.perf_counter()
                corrupt(pts, name, s, rng, mesh=mesh)
                secs[name] += time.perf_counter() - t
    return secs


_OBJECTS: list = []


def _worker(lo: int, hi: int) -> tuple[float, float, dict[str, float]]:
    setup = _setup(lo, hi)
    t = time.perf_counter()
    secs = _run(lo)
    return setup, time.perf_counter() - t, secs


def _figure(secs: dict[str, float], n: int, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.5))
    ax = fig.subplots()
    names = list(secs)
    ax.bar(range(len(names)), [secs[k] for k in names], color="0.35")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("worker seconds (5 severities)")
    ax.set_title(f"ModelNet40-C corruptions over {n} world clouds of {N_POINTS} points", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clouds", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from xmodal.data.corruptions import CORRUPTIONS, GROUPS

    bounds = np.linspace(0, args.clouds, args.workers + 1).astype(int)
    load0 = os.getloadavg()
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
        # setup and the timed suite run in the same call per worker; the suite's wall time is the slowest worker's
        futures = [pool.submit(_worker, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        results = [f.result() for f in futures]
    load1 = os.getloadavg()
    setup = max(r[0] for r in results)
    wall = max(r[1] for r in results)
    secs = {k: sum(r[2][k] for r in results) for k in CORRUPTIONS}
    group_of = {k: g for g, ks in GROUPS.items() for k in ks}
    calls = args.clouds * len(SEVERITIES)
    verdict = "met" if wall <= GOAL_S else "missed"
    lines = [
        "# Benchmark: ModelNet40-C corruption suite",
        "",
        f"{args.clouds} world clouds of {N_POINTS} points (2048-point source for density_inc, meshes for occlusion "
        f"and lidar), 15 corruptions × 5 severities, {args.workers} processes, 1 BLAS thread each.",
        "",
        f"- **suite wall time: {wall:.1f} s** (slowest worker; goal ≤ {GOAL_S:.0f} s: **{verdict}**)",
        f"- setup (making the objects, not counted): {setup:.1f} s",
        f"- summed worker time: {sum(secs.values()):.1f} s",
        f"- load average before / after: {load0[0]:.2f} / {load1[0]:.2f}; {os.cpu_count()} CPUs; "
        f"{platform.processor() or platform.machine()}; Python {platform.python_version()}, NumPy {np.__version__}",
        "",
        "| corruption | group | worker seconds | ms per call |",
        "|---|---|---:|---:|",
    ]
    lines += [f"| {k} | {group_of[k]} | {secs[k]:.2f} | {1000 * secs[k] / calls:.2f} |" for k in CORRUPTIONS]
    lines += ["", "Figure: `bench_corruptions.png` (worker seconds per corruption).", ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_corruptions.md").write_text("\n".join(lines))
    _figure(secs, args.clouds, RESULTS / "bench_corruptions.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
