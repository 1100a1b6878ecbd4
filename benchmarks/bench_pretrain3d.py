"""Benchmark: pre-training time and quality of the 3D encoders at each scale (``PretrainSettings.for_scale``).

Goal (issue brief): each encoder trains in <= 15 s at ``ci`` and <= 90 s at ``default`` on 2 CPU cores.
For every (scale, arch, mode) it trains from scratch (no cache), and reports wall time, process CPU time,
torch threads and the load average (the machine may be shared, so wall time alone can mislead), the first
and last epoch loss, and two quality probes on the world's test shapes: 1-NN category accuracy with the
training shapes as the gallery (labels used only here) against a randomly initialised encoder, and
debiased linear CKA with the MiniLM text targets.

Run: python benchmarks/bench_pretrain3d.py [--scales ci,default] [--archs pointnet,pointbert]
     [--modes unimodal,multimodal] [--threads N]  -> benchmarks/results/bench_pretrain3d.{json,md}
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from xmodal.align import cka
from xmodal.data import world_dataset
from xmodal.encoders import pretrain3d as p3
from xmodal.encoders.pointcloud import build_encoder

RESULTS = Path(__file__).parent / "results"
GOALS_S = {"ci": 15.0, "default": 90.0}


def one_nn_accuracy(E: np.ndarray, labels: np.ndarray, train: np.ndarray, test: np.ndarray) -> float:
    """Fraction of test shapes whose cosine nearest training shape has the same label."""
    En = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)
    S = En[test] @ En[train].T
    return float(np.mean(labels[train][S.argmax(1)] == labels[test]))


def run(scale: str, arch: str, mode: str, ds, targets: dict) -> dict:
    s = p3.PretrainSettings.for_scale(scale, arch, mode)
    train, test = ds.mask("train"), ds.mask("test")
    load0 = os.getloadavg()[0]
    c0 = time.process_time()
    if mode == "unimodal":
        model, h = p3.train_unimodal(arch, ds.points[train], s, seed=0)
    else:
        model, h = p3.train_multimodal(arch, ds.points[train], {k: v[train] for k, v in targets.items()}, s, seed=0)
    cpu = time.process_time() - c0
    load1 = os.getloadavg()[0]
    E = p3.embed(model, ds.points)
    torch.manual_seed(0)
    rand = build_encoder(arch, **s.model_kwargs(arch)).eval()
    rand.n_points_train = model.n_points_train
    E0 = p3.embed(rand, ds.points)
    out = {
        "scale": scale, "arch": arch, "mode": mode, "n_train": int(train.sum()), "epochs": s.epochs,
        "steps": int(h["steps"]), "batch_size": s.batch_size, "n_points_train": s.n_points_train,
        "wall_s": float(h["time_s"]), "cpu_s": cpu, "goal_s": GOALS_S.get(scale), "threads": torch.get_num_threads(),
        "loadavg_start": load0, "loadavg_end": load1,
        "loss_first": float(h["loss"][0]), "loss_last": float(h["loss"][-1]),
        "one_nn_acc": one_nn_accuracy(E, ds.labels, train, test),
        "one_nn_acc_random_init": one_nn_accuracy(E0, ds.labels, train, test),
        "cka_text_debiased": cka(E[test], targets["text"][test], debiased=True),
    }
    for k in ("mpm", "contrastive", "nce_text", "nce_image"):
        if k in h:
            out[f"{k}_last"] = float(h[k][-1])
    if "temperature" in h:
        out["temperature"] = float(h["temperature"])
    return out


def to_markdown(rows: list[dict], meta: dict) -> str:
    lines = ["# bench_pretrain3d", "",
             f"{meta['machine']}; torch {meta['torch']}; {meta['cpus']} CPUs visible. Wall time depends on the load",
             "of a shared machine (load average shown); CPU time is the process's own time.", "",
             "| scale | arch | mode | n_train | epochs | steps | wall s | CPU s | goal s | load | loss first → last | 1-NN acc (random init) | dCKA text |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['scale']} | {r['arch']} | {r['mode']} | {r['n_train']} | {r['epochs']} | {r['steps']} | "
            f"{r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['goal_s']} | {r['loadavg_start']:.1f}–{r['loadavg_end']:.1f} | "
            f"{r['loss_first']:.3f} → {r['loss_last']:.3f} | {r['one_nn_acc']:.3f} ({r['one_nn_acc_random_init']:.3f}) | "
            f"{r['cka_text_debiased']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="ci,default")
    ap.add_argument("--archs", default="pointnet,pointbert")
    ap.add_argument("--modes", default="unimodal,multimodal")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--out", default="bench_pretrain3d")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for scale in args.scales.split(","):
        ds = world_dataset(scale)
        targets = p3.default_targets(ds)
        for arch in args.archs.split(","):
            for mode in args.modes.split(","):
                r = run(scale, arch, mode, ds, targets)
                print(json.dumps(r), flush=True)
                rows.append(r)
    meta = {"machine": platform.processor() or platform.machine(), "torch": torch.__version__,
            "cpus": os.cpu_count(), "threads": torch.get_num_threads()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    (RESULTS / f"{args.out}.md").write_text(to_markdown(rows, meta))
    print(to_markdown(rows, meta))


if __name__ == "__main__":
    main()
