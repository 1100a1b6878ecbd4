"""Budget sensitivity of notebook 02's Part B: what each training rule of issue #11 did to every head (item 3).

Notebook 02 trains every head under one registered rule (``wpce.TRAIN_RULE``; a validation InfoNCE every 25 steps,
a plateau = 4 evaluations without an improvement > 0.01 nats, the best evaluation kept). Its committed default
runs under the issue's protocols differ only in the schedule:

* ``c5427f9``: cosine over an 800-step cap, stop at the first plateau (11 of 68 heads reached the cap);
* ``0b85c3d``: the same with the cap doubled to 1,600;
* the fourth pass (the working tree by default): reduce-on-plateau — constant lr, ×0.1 at the first plateau, stop
  at the second; 1,600 steps only a cap.

This script trains nothing: it reads the runs' reports from git (``--runs``; ``WORKTREE`` is the file on disk)
and compares consecutive runs (and the first with the last) head by head (same variant, d, seed, learning rate and stage): steps run,
validation loss kept, whether the head plateaued; and the main runs' mean test metrics.

Run: python benchmarks/bench_wpce_budget.py [--runs c5427f9 0b85c3d WORKTREE]
     -> benchmarks/results/bench_wpce_budget.{json,md}
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REPORT = "reports/02_wpce"
KEY = ["variant", "d", "seed", "lr", "run"]
LABELS = {"c5427f9": "cosine, 800-step cap", "0b85c3d": "cosine, 1,600-step cap",
          "WORKTREE": "reduce-on-plateau, 1,600-step cap (this tree)"}


def _read(rev: str, name: str) -> pd.DataFrame:
    """``reports/02_wpce/<name>`` at git revision ``rev`` (``WORKTREE``: the file on disk)."""
    if rev == "WORKTREE":
        return pd.read_csv(ROOT / REPORT / name)
    out = subprocess.run(["git", "show", f"{rev}:{REPORT}/{name}"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"cannot read {REPORT}/{name} at {rev}: {out.stderr.strip()}")
    return pd.read_csv(io.StringIO(out.stdout))


def _label(rev: str) -> str:
    return f"`{rev}` ({LABELS[rev]})" if rev in LABELS else f"`{rev}`"


def compare(before: str, after: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(summary, per-variant table, the heads that reached the cap before) of two runs, heads paired on KEY."""
    a, b = _read(before, "part_b_convergence.csv"), _read(after, "part_b_convergence.csv")
    m = a.merge(b, on=KEY, suffixes=("_before", "_after"))
    m["val_loss_change"] = m.val_loss_after - m.val_loss_before
    per_variant = (m.groupby("variant")
                   .agg(heads=("val_loss_change", "size"), steps_before=("steps_run_before", "mean"),
                        steps_after=("steps_run_after", "mean"), val_loss_change=("val_loss_change", "mean"),
                        lower_after=("val_loss_change", lambda x: int((x < 0).sum())))
                   .reset_index())
    capped = m[~m.plateaued_before][KEY + ["steps_run_before", "val_loss_before", "steps_run_after",
                                           "val_loss_after", "plateaued_after"]]
    summary = {"before": before, "after": after, "heads_before": len(a), "plateaued_before": int(a.plateaued.sum()),
               "heads_after": len(b), "plateaued_after": int(b.plateaued.sum()), "paired_heads": len(m),
               "lower_val_loss_after": int((m.val_loss_change < 0).sum()),
               "mean_val_loss_change": float(m.val_loss_change.mean()),
               "median_val_loss_change": float(m.val_loss_change.median()),
               "mean_steps_before": float(m.steps_run_before.mean()), "mean_steps_after": float(m.steps_run_after.mean()),
               "max_steps_after": int(b.steps_run.max())}
    return summary, per_variant, capped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", default=["c5427f9", "0b85c3d", "WORKTREE"])
    args = ap.parse_args()
    if len(args.runs) < 2:
        raise SystemExit("--runs needs at least two revisions")
    md = ["# bench_wpce_budget", "",
          "Notebook 02, Part B: the committed default runs of the training rules of issue #11, compared head by head "
          "(nothing is trained here; heads are paired on variant, d, seed, learning rate and stage, so a head whose "
          "chosen learning rate changed has no pair). Validation loss: the InfoNCE of the fixed validation pairs at "
          "the evaluation whose parameters the head kept.", ""]
    out_json = {"comparisons": []}
    pairs = list(zip(args.runs, args.runs[1:])) + ([(args.runs[0], args.runs[-1])] if len(args.runs) > 2 else [])
    for before, after in pairs:
        s, per_variant, capped = compare(before, after)
        out_json["comparisons"].append({"summary": s, "per_variant": per_variant.to_dict("records"),
                                        "capped_before": capped.to_dict("records")})
        md += [f"## {_label(before)} → {_label(after)}", "",
               f"- plateaued: {s['plateaued_before']}/{s['heads_before']} heads before, {s['plateaued_after']}/"
               f"{s['heads_after']} after; steps run (paired heads) {s['mean_steps_before']:.0f} → "
               f"{s['mean_steps_after']:.0f} on average, at most {s['max_steps_after']} after;",
               f"- validation InfoNCE kept, after − before, over {s['paired_heads']} paired heads: mean "
               f"{s['mean_val_loss_change']:+.3f}, median {s['median_val_loss_change']:+.3f} nats; lower after in "
               f"{s['lower_val_loss_after']}/{s['paired_heads']}.", "",
               per_variant.to_markdown(index=False, floatfmt=".3f"), ""]
        if len(capped):
            md += ["Heads that had reached the cap before:", "", capped.to_markdown(index=False, floatfmt=".3f"), ""]
    cols = ["zeroshot_mean", "probe_after_mean"]
    metrics = None
    for rev in args.runs:
        r = _read(rev, "part_b_summary.csv")[["variant"] + cols].rename(columns={c: f"{c} {rev}" for c in cols})
        metrics = r if metrics is None else metrics.merge(r, on="variant")
    out_json["metrics"] = metrics.to_dict("records")
    md += ["## Test metrics of the main runs (mean over seeds)", "", metrics.to_markdown(index=False, floatfmt=".4f"), ""]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_wpce_budget.json").write_text(json.dumps(out_json, indent=1) + "\n")
    (out / "bench_wpce_budget.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
