"""Benchmark: glibc's malloc with and without ``GLIBC_TUNABLES=glibc.malloc.hugetlb=1`` (the project's setting).

torch's CPU tensors come from glibc's malloc; blocks above its mmap threshold (at most 32 MB) are mapped fresh
for every allocation, so each training step that makes tens of MB of activations faults every page in again
(and the kernel zeroes it). With ``glibc.malloc.hugetlb=1`` glibc asks for transparent huge pages for those
mappings (``/sys/kernel/mm/transparent_hugepage/enabled`` must be ``madvise`` or ``always``): 2 MB pages,
~500x fewer faults.

Each workload is a training step of a model this project trains, at the default scale's sizes, seeded: 03's
PointNet and mini-PointBERT classifiers (batch 64 x 512 points) and an LNORM mapping network (batch 128). It
runs in a fresh process per setting (glibc reads the variable at start), the two settings interleaved
``--repeats`` times, one thread; per step: median wall ms, minor page faults, system CPU ms, and a hash of the
parameters after the timed steps, which must be equal under both settings (the allocator changes no bits).
The machine may be shared: the load average is recorded.

Run: ``python benchmarks/bench_malloc.py [--steps 12 --repeats 3]`` → benchmarks/results/bench_malloc.{json,md}.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
WORKLOADS = ("pointnet_classifier", "pointbert_classifier", "mapping_lnorm")


def _child(workload: str, steps: int) -> dict:
    import resource
    import time

    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    from xmodal.papers import pointspider as ps
    from xmodal.papers.pointspider import pipeline as P

    s = ps.Settings.for_scale("default")
    if workload == "mapping_lnorm":
        model = ps.MappingNet("lnorm", s.feat_dim, 64, s.map_widths)

        def batch():
            return torch.randn(s.map_batch, s.feat_dim, generator=g), torch.randn(s.map_batch, 64, generator=g)

        def loss(x, y):
            return torch.nn.functional.l1_loss(model(x), y)
    else:
        arch = workload.split("_")[0]
        model = P.Classifier(40, s.feat_dim, arch=arch, encoder_kwargs=s.encoder_kwargs(arch))

        def batch():
            return torch.randn(s.pn_batch, s.pn_points, 3, generator=g), torch.randint(0, 40, (s.pn_batch,), generator=g)

        def loss(x, y):
            return torch.nn.functional.cross_entropy(model(x), y)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), 1e-3)

    def step():
        x, y = batch()
        opt.zero_grad()
        loss(x, y).backward()
        opt.step()

    for _ in range(3):
        step()
    times = []
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    h = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()[:16]
    return {"ms_per_step": 1000 * sorted(times)[len(times) // 2], "minflt_per_step": (r1.ru_minflt - r0.ru_minflt) / steps,
            "sys_ms_per_step": 1000 * (r1.ru_stime - r0.ru_stime) / steps, "params_sha256": h}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--no-save", action="store_true")
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(_child(a.child, a.steps)))
        return
    from xmodal.runtime import FAST_MALLOC

    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    settings = {"glibc default": "", FAST_MALLOC: FAST_MALLOC}
    runs = {w: {k: [] for k in settings} for w in WORKLOADS}
    for _ in range(a.repeats):
        for w in WORKLOADS:
            for name, val in settings.items():
                env = {**os.environ, "GLIBC_TUNABLES": val, "OMP_NUM_THREADS": "1"}
                p = subprocess.run([sys.executable, __file__, "--child", w, "--steps", str(a.steps)], env=env,
                                   capture_output=True, text=True, check=True)
                runs[w][name].append(json.loads(p.stdout.strip().splitlines()[-1]))
    rows = []
    for w in WORKLOADS:
        hashes = {r["params_sha256"] for k in settings for r in runs[w][k]}
        med = {k: {m: sorted(r[m] for r in runs[w][k])[a.repeats // 2] for m in ("ms_per_step", "minflt_per_step",
                                                                                    "sys_ms_per_step")}
               for k in settings}
        d, f = med["glibc default"], med[FAST_MALLOC]
        rows.append({"workload": w, "default": d, "hugetlb": f, "speedup": d["ms_per_step"] / f["ms_per_step"],
                     "same_bits": len(hashes) == 1, "params_sha256": sorted(hashes)})
    out = {"steps": a.steps, "repeats": a.repeats, "threads": 1, "setting": FAST_MALLOC,
           "transparent_hugepage": thp.read_text().strip() if thp.exists() else "n/a",
           "load_avg": os.getloadavg(), "rows": rows, "runs": runs}
    md = (f"# glibc malloc: default vs `{FAST_MALLOC}` (one training step, 1 thread, default-scale sizes)\n\n"
          f"Median over {a.repeats} fresh processes per setting (interleaved) of the median of {a.steps} steps; "
          f"transparent huge pages: `{out['transparent_hugepage']}`; load average {out['load_avg'][0]:.2f}.\n\n"
          "| workload | ms/step default | ms/step hugetlb | speed-up | page faults/step default | hugetlb "
          "| system ms/step default | hugetlb | same bits |\n|---|---|---|---|---|---|---|---|---|\n"
          + "".join(f"| {r['workload']} | {r['default']['ms_per_step']:.0f} | {r['hugetlb']['ms_per_step']:.0f} | "
                    f"×{r['speedup']:.2f} | {r['default']['minflt_per_step']:.0f} | {r['hugetlb']['minflt_per_step']:.0f} | "
                    f"{r['default']['sys_ms_per_step']:.0f} | {r['hugetlb']['sys_ms_per_step']:.0f} | "
                    f"{'yes' if r['same_bits'] else '**no**'} |\n" for r in rows))
    print(md)
    if not all(r["same_bits"] for r in rows):
        print("the allocator changed the bits of a workload: see the hashes in the json", file=sys.stderr)
    if not a.no_save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "bench_malloc.json").write_text(json.dumps(out, indent=1) + "\n")
        (RESULTS / "bench_malloc.md").write_text(md)
    return 0 if all(r["same_bits"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
