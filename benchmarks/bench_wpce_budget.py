"""Budget sensitivity of notebook 02's Part B: what doubling the step cap did to every head (issue #11, item 3).

Notebook 02 trains every head under one registered rule (``wpce.TRAIN_RULE``: cosine schedule over a step cap,
a validation InfoNCE every 25 steps, stop after 4 evaluations without an improvement > 0.01 nats, keep the
best). Under the 800-step cap of the second pass 11 of 68 heads reached the cap without a plateau; the third pass
doubled the cap to 1,600 for every head. This script trains nothing: it reads the two committed default runs
from git (``--before``, default the second-pass commit c5427f9; ``--after``, default the working tree) and
compares, head by head (same variant, d, seed, learning rate and stage), the steps run, the validation loss
kept and whether the head plateaued, and, for the main runs, the test metrics the claims read.

Run: python benchmarks/bench_wpce_budget.py [--before c5427f9] [--after WORKTREE]
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


def _read(rev: str, name: str) -> pd.DataFrame:
    """``reports/02_wpce/<name>`` at git revision ``rev`` (``WORKTREE``: the file on disk)."""
    if rev == "WORKTREE":
        return pd.read_csv(ROOT / REPORT / name)
    out = subprocess.run(["git", "show", f"{rev}:{REPORT}/{name}"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"cannot read {REPORT}/{name} at {rev}: {out.stderr.strip()}")
    return pd.read_csv(io.StringIO(out.stdout))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="c5427f9")
    ap.add_argument("--after", default="WORKTREE")
    args = ap.parse_args()
    a, b = _read(args.before, "part_b_convergence.csv"), _read(args.after, "part_b_convergence.csv")
    m = a.merge(b, on=KEY, suffixes=("_before", "_after"))
    m["val_loss_change"] = m.val_loss_after - m.val_loss_before
    per_variant = (m.groupby("variant")
                   .agg(heads=("val_loss_change", "size"), steps_before=("steps_run_before", "mean"),
                        steps_after=("steps_run_after", "mean"), val_loss_change=("val_loss_change", "mean"),
                        lower_after=("val_loss_change", lambda x: int((x < 0).sum())))
                   .reset_index())
    capped = m[~m.plateaued_before][KEY + ["steps_run_before", "val_loss_before", "steps_run_after",
                                           "val_loss_after", "plateaued_after"]]
    ra, rb = _read(args.before, "part_b_summary.csv"), _read(args.after, "part_b_summary.csv")
    cols = ["zeroshot_mean", "probe_after_mean"]
    metrics = ra[["variant"] + cols].merge(rb[["variant"] + cols], on="variant", suffixes=("_before", "_after"))
    summary = {
        "before": args.before, "after": args.after,
        "heads_before": len(a), "plateaued_before": int(a.plateaued.sum()),
        "heads_after": len(b), "plateaued_after": int(b.plateaued.sum()),
        "paired_heads": len(m), "lower_val_loss_after": int((m.val_loss_change < 0).sum()),
        "mean_val_loss_change": float(m.val_loss_change.mean()),
        "median_val_loss_change": float(m.val_loss_change.median()),
        "mean_steps_before": float(m.steps_run_before.mean()), "mean_steps_after": float(m.steps_run_after.mean()),
        "max_steps_after": int(b.steps_run.max()),
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_wpce_budget.json").write_text(json.dumps(
        {"summary": summary, "per_variant": per_variant.to_dict("records"), "capped_before": capped.to_dict("records"),
         "metrics": metrics.to_dict("records")}, indent=1) + "\n")
    s = summary
    label = "the report in the working tree" if args.after == "WORKTREE" else f"`{args.after}`"
    md = [
        "# bench_wpce_budget",
        "",
        f"Notebook 02, Part B, the committed default run at `{s['before']}` (800-step cap) against {label} "
        "(the cap doubled to 1,600 for every head; nothing else in the rule changed). Nothing is trained here: "
        "both runs are read from their reports. Heads are paired on (variant, d, seed, learning rate, stage); a head "
        "whose chosen learning rate changed has no pair.",
        "",
        f"- plateaued: {s['plateaued_before']}/{s['heads_before']} heads before, {s['plateaued_after']}/"
        f"{s['heads_after']} after; steps run (paired heads) {s['mean_steps_before']:.0f} → "
        f"{s['mean_steps_after']:.0f} on average, at most {s['max_steps_after']} after;",
        f"- validation InfoNCE kept, after − before, over {s['paired_heads']} paired heads: mean "
        f"{s['mean_val_loss_change']:+.3f}, median {s['median_val_loss_change']:+.3f} nats; lower after in "
        f"{s['lower_val_loss_after']}/{s['paired_heads']}.",
        "",
        "## Per variant (paired heads)",
        "",
        per_variant.to_markdown(index=False, floatfmt=".3f"),
        "",
        "## The heads that reached the 800-step cap",
        "",
        capped.to_markdown(index=False, floatfmt=".3f"),
        "",
        "## Test metrics of the main runs (mean over seeds)",
        "",
        metrics.to_markdown(index=False, floatfmt=".4f"),
        "",
    ]
    (out / "bench_wpce_budget.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
