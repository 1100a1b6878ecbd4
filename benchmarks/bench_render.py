"""Benchmark: CPU renders per second of ``xmodal.world.render`` on one core at 128 × 128.

Goal (issue): ≥ 100 mesh renders/s (meshes of ~2–5k faces) and ≥ 300 point-cloud renders/s (clouds of
1–2k points), one render = one view, single thread. NumPy's BLAS threads are pinned to 1 before NumPy
is imported (the renderer does not use torch).

Workloads: unit-sphere-scaled trimesh primitives (icosphere 5120 faces, torus 4096, capsule ~2.2k,
subdivided box 3072) and clouds of 1024 / 2048 surface samples of them; plus the procedural world's
own shapes (``xmodal.world.make_shape``, a few hundred to ~2k faces) when available. Each object is
rendered with ``layout="ring12"`` (12 views in one call, the batched path) and with one view per call.

Timing: per call the best of ``--repeats`` runs, both wall clock (``perf_counter``) and process CPU
time (``process_time``); renders/s = views / time. The machine may be shared: the CPU-time figure is
the one less disturbed by other processes, the wall figure is what a user waits. Load averages are
recorded next to the numbers.

Run: ``python benchmarks/bench_render.py [--repeats R]`` → benchmarks/results/render.{json,md}.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import trimesh  # noqa: E402

R = importlib.import_module("xmodal.world.render")  # the module (xmodal.world.render is also a function name)

RESULTS = Path(__file__).parent / "results"
RES = 128
GOAL_MESH, GOAL_POINTS = 100.0, 300.0


def _unit(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    m = mesh.copy()
    m.apply_translation(-m.bounds.mean(axis=0))
    m.apply_scale(1.0 / np.linalg.norm(m.vertices, axis=1).max())
    return m


def _primitives() -> dict[str, trimesh.Trimesh]:
    box = trimesh.creation.box(extents=(1.0, 0.6, 0.4))
    for _ in range(4):
        box = box.subdivide()
    return {
        "icosphere": _unit(trimesh.creation.icosphere(subdivisions=4)),
        "torus": _unit(trimesh.creation.torus(1.0, 0.3, major_sections=64, minor_sections=32)),
        "capsule": _unit(trimesh.creation.capsule(height=1.0, radius=0.4, count=[48, 24])),
        "box": _unit(box),
    }


def _world_shapes(n: int = 6) -> dict[str, tuple[trimesh.Trimesh, dict]]:
    try:
        from xmodal.world import CATEGORY_NAMES, make_shape
    except ImportError:  # pragma: no cover - the world package is optional for this benchmark
        return {}
    out = {}
    for cat in CATEGORY_NAMES[:: max(1, len(CATEGORY_NAMES) // n)][:n]:
        s = make_shape(cat, 0, seed=0)
        kw = {"colors": np.asarray(s.attributes["colour_rgb"]), "material": s.attributes["render_material"]}
        out[cat] = (s.mesh, kw)
    return out


def _time(fn, repeats: int):
    fn()  # warm-up (caches of the layout's matrices and pixel vectors)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), float(np.median(wall)), min(cpu)


def _row(kind, name, size, views, repeats, fn) -> dict:
    best, median, cpu = _time(fn, repeats)
    row = {
        "kind": kind, "object": name, "size": size, "views_per_call": views,
        "ms_per_call_wall_best": 1e3 * best, "ms_per_call_wall_median": 1e3 * median, "ms_per_call_cpu_best": 1e3 * cpu,
        "renders_per_s_wall": views / best, "renders_per_s_cpu": views / cpu,
    }
    print(f"{kind:6s} {name:14s} {size:6d} x{views:2d} views: {1e3 * best:7.1f} ms wall ({views / best:6.0f} /s), "
          f"{1e3 * cpu:7.1f} ms cpu ({views / cpu:6.0f} /s)")
    return row


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    rows = []
    prims = _primitives()
    for name, mesh in prims.items():
        for views in (None, [0]):
            nv = 12 if views is None else 1
            rows.append(_row("mesh", name, len(mesh.faces), nv, args.repeats,
                             lambda m=mesh, v=views: R.render(m, layout="ring12", resolution=RES, views=v)))
    for name, mesh in prims.items():
        for n in (1024, 2048):
            pts = np.asarray(trimesh.sample.sample_surface(mesh, n, seed=0)[0])
            for views in (None, [0]):
                nv = 12 if views is None else 1
                rows.append(_row("points", name, n, nv, args.repeats,
                                 lambda p=pts, v=views: R.render(p, layout="ring12", resolution=RES, views=v)))
    for name, (mesh, kw) in _world_shapes().items():
        rows.append(_row("world", name, len(mesh.faces), 12, args.repeats,
                         lambda m=mesh, k=kw: R.render(m, layout="ring12", resolution=RES, **k)))
    load1 = os.getloadavg()

    def agg(kind, nv, key):
        vals = [r[key] for r in rows if r["kind"] == kind and r["views_per_call"] == nv]
        return float(min(vals)) if vals else float("nan")

    summary = {
        "mesh_renders_per_s_cpu_min": agg("mesh", 12, "renders_per_s_cpu"),
        "mesh_renders_per_s_wall_min": agg("mesh", 12, "renders_per_s_wall"),
        "points_renders_per_s_cpu_min": agg("points", 12, "renders_per_s_cpu"),
        "points_renders_per_s_wall_min": agg("points", 12, "renders_per_s_wall"),
        "goal_mesh": GOAL_MESH,
        "goal_points": GOAL_POINTS,
    }
    summary["mesh_goal_met_cpu"] = summary["mesh_renders_per_s_cpu_min"] >= GOAL_MESH
    summary["points_goal_met_cpu"] = summary["points_renders_per_s_cpu_min"] >= GOAL_POINTS
    summary["mesh_goal_met_wall"] = summary["mesh_renders_per_s_wall_min"] >= GOAL_MESH
    summary["points_goal_met_wall"] = summary["points_renders_per_s_wall_min"] >= GOAL_POINTS
    meta = {
        "resolution": RES, "layout": "ring12", "repeats": args.repeats, "backend": "numpy",
        "threads": "OMP/OPENBLAS/MKL_NUM_THREADS=1, no torch",
        "python": platform.python_version(), "numpy": np.__version__, "trimesh": trimesh.__version__,
        "machine": platform.machine(), "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(), "loadavg_start": load0, "loadavg_end": load1,
    }
    out = {"meta": meta, "summary": summary, "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "render.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / "render.md").write_text(_markdown(out))
    print(json.dumps(summary, indent=2))
    return out


def _markdown(out: dict) -> str:
    m, s = out["meta"], out["summary"]
    lines = [
        "# Renderer throughput (`xmodal.world.render`, numpy backend)",
        "",
        f"{m['resolution']}×{m['resolution']} px, layout `{m['layout']}`, single thread ({m['threads']}), "
        f"best of {m['repeats']} calls; numpy {m['numpy']}, Python {m['python']}, {m['cpu_count']} CPUs, "
        f"load average {m['loadavg_start'][0]:.1f} → {m['loadavg_end'][0]:.1f} (shared machine: CPU time is the "
        "less disturbed figure).",
        "",
        "| goal | slowest object, CPU time | slowest object, wall clock | met (CPU / wall) |",
        "|---|---|---|---|",
        f"| meshes ≥ {s['goal_mesh']:.0f} renders/s | {s['mesh_renders_per_s_cpu_min']:.0f} /s | "
        f"{s['mesh_renders_per_s_wall_min']:.0f} /s | {'yes' if s['mesh_goal_met_cpu'] else 'no'} / "
        f"{'yes' if s['mesh_goal_met_wall'] else 'no'} |",
        f"| point clouds ≥ {s['goal_points']:.0f} renders/s | {s['points_renders_per_s_cpu_min']:.0f} /s | "
        f"{s['points_renders_per_s_wall_min']:.0f} /s | {'yes' if s['points_goal_met_cpu'] else 'no'} / "
        f"{'yes' if s['points_goal_met_wall'] else 'no'} |",
        "",
        "One render = one view. Rows with 12 views per call render all `ring12` views of the object in one call",
        "(per-object work shared); rows with 1 view per call include the whole per-call overhead. On a shared",
        "machine the long 12-view calls are preempted (wall > CPU); the short 1-view calls are not (wall ≈ CPU),",
        "which shows that CPU time is what one idle core delivers.",
        "",
        "| kind | object | faces / points | views per call | ms per call (wall, best) | ms per call (CPU) "
        "| renders/s (wall) | renders/s (CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in out["rows"]:
        lines.append(
            f"| {r['kind']} | {r['object']} | {r['size']} | {r['views_per_call']} | {r['ms_per_call_wall_best']:.1f} | "
            f"{r['ms_per_call_cpu_best']:.1f} | {r['renders_per_s_wall']:.0f} | {r['renders_per_s_cpu']:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
