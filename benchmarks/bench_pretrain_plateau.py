"""Probe: would notebook 01's 3D pre-training reach its plateau stop with a larger budget? (issue #11, item 11)

Notebook 01 trains every 3D encoder under the registered ``PRETRAIN_RULE`` (128 points, batch 32, a 6-epoch cap
that is also the length of the cosine schedule, plateau stop on a held-out loss: 3 evaluations 40 steps apart
without an improvement > 0.01). At ``default`` 0/12 runs stop before the cap. This probe trains seed 0 of each
(arch, mode) under the same rule with the cap raised to ``--cap`` epochs (the schedule follows the cap) and
reports where the stop fires, the held-out loss there, and the held-out loss of the notebook's 6-epoch runs
(read from notebook 01's committed ``pretraining_plateau`` table) for comparison. Training wall time is the run's own (stored with it in the cache, so a rerun on
the cache reports the original run's time).

Run: python benchmarks/bench_pretrain_plateau.py [--cap 30]  -> benchmarks/results/bench_pretrain_plateau.{json,md}
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd

from xmodal import runtime
from xmodal.data import world_dataset
from xmodal.encoders import pretrain3d
from xmodal.papers import platos_cave as pc

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cap", type=int, default=30, help="epoch cap (and cosine length) of the probe runs")
    args = ap.parse_args()
    s = pc.Settings.for_scale("default")
    ds = world_dataset("default", seed=0)
    committed = pd.read_csv(ROOT / "reports" / "01_platos_cave" / "pretraining_plateau.csv")
    rows = []
    for mode in ("unimodal", "multimodal"):
        for arch in ("pointnet", "pointbert"):
            base = s.pretrain_settings(arch, mode)
            with runtime.use("default"):
                _, hist = pretrain3d.pretrained_encoder(arch, mode, ds, "default", 0,
                                                        settings=base.with_(epochs=args.cap))
            name = f"{arch}-{'uni' if mode == 'unimodal' else 'multi'}"
            ref = committed[(committed.encoder == name) & (committed.seed == 0)].iloc[0]
            rows.append({"encoder": name, "cap (epochs)": args.cap, "steps run": len(hist.loss),
                         "plateau stop": bool(hist.stopped), "best step": hist.best_step,
                         "held-out loss at best": min(v["val_loss"] for _, v in hist.evals),
                         "notebook: steps (6-epoch cap)": int(ref["steps"]),
                         "notebook: held-out loss": float(ref["val_loss"]),
                         "training wall s": round(hist.seconds, 1)})
            print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_pretrain_plateau.json").write_text(json.dumps(rows, indent=1) + "\n")
    df = pd.DataFrame(rows)
    (RESULTS / "bench_pretrain_plateau.md").write_text(
        "# bench_pretrain_plateau\n\n"
        f"Seed 0 of notebook 01's four 3D encoders under PRETRAIN_RULE with the epoch cap raised to {args.cap} "
        f"(torch threads {os.environ.get('OMP_NUM_THREADS', 'default')}; wall times measured beside other jobs).\n\n"
        + df.to_markdown(index=False, floatfmt=".3f") + "\n")


if __name__ == "__main__":
    main()
