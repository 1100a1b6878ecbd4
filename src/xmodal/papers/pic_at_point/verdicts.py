"""The five claims judged from the ablation runs by the rules registered in :data:`.paper.REGISTRY`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import combine_comparisons, combine_parts, compare
from .paper import BACKBONE_MAX_PARAMS, HEADS_TO_BACKBONE_MAX, MARGIN, PAPER, REGISTRY

__all__ = ["judge_all", "paper_table", "FULL"]

FULL = "local+global + pose"


def _per_seed(runs: pd.DataFrame, variant: str, col: str) -> np.ndarray:
    r = runs[runs["variant"] == variant].sort_values("seed")
    return r[col].to_numpy(np.float64)


def _vs(runs, col, others):
    """compare(FULL, other) for each other → (outcomes, evidence text, numbers)."""
    a = _per_seed(runs, FULL, col)
    outs, ev, nums = [], [], {f"{col}_full": float(a.mean())}
    for o in others:
        b = _per_seed(runs, o, col)
        res, iv = compare(a, b, MARGIN)
        res0 = compare(a, b, 0.0)[0]  # the same interval, read against margin 0 (printed when it differs)
        outs.append(res)
        ev.append(f"vs {o}: Δ = {100 * iv.mean:+.1f} pp [{100 * iv.lo:+.1f}, {100 * iv.hi:+.1f}] → {res}"
                  + (f" (at margin 0: {res0})" if res0 != res else ""))
        key = o.replace("+", "").replace(" ", "_").replace(",", "")
        nums[f"delta_{key}"] = float(iv.mean)
        nums[f"{col}_{key}"] = float(b.mean())
    return outs, "; ".join(ev) + f" (n = {len(a)} seeds, margin ±{100 * MARGIN:g} pp)", nums


def judge_all(runs: pd.DataFrame, params: pd.DataFrame) -> list:
    """Outcomes of 05-1 … 05-5 from the per-seed runs and the parameter table."""
    out = []
    for cid, col, others in (("05-1", "clean_acc", ["random-init", "global-only"]),
                             ("05-2", "clean_acc", ["global-only", "local-only"]),
                             ("05-4", "scan_acc", ["random-init", "global-only"])):
        outs, ev, nums = _vs(runs, col, others)
        out.append(REGISTRY.judge(cid, combine_comparisons(outs), f"{100 * nums[f'{col}_full']:.1f} % "
                                  f"({'clean' if col == 'clean_acc' else 'scan-like'} test)", ev, nums))
    outs, ev, nums = _vs(runs, "clean_acc", ["local+global, no pose"])
    verdict = {"better": "reproduced", "worse": "not reproduced", "inconclusive": "inconclusive"}[outs[0]]
    d = nums["delta_localglobal_no_pose"]
    out.append(REGISTRY.judge("05-3", verdict, f"{-100 * d:+.1f} pp without pose", ev, nums))
    p = params.set_index("module")["parameters"]
    pb, ph = int(p["backbone"]), int(p["heads + pose (added by the recipe)"])
    parts = [ph <= HEADS_TO_BACKBONE_MAX * pb, pb <= BACKBONE_MAX_PARAMS]
    out.append(REGISTRY.judge("05-5", combine_parts(parts), f"backbone {pb / 1e3:.0f} k, heads + pose {ph / 1e3:.0f} k",
                              f"heads/backbone = {ph / pb:.2f} (≤ {HEADS_TO_BACKBONE_MAX:g}: {parts[0]}); backbone "
                              f"{pb:,} ≤ {BACKBONE_MAX_PARAMS:,}: {parts[1]}",
                              {"backbone_params": pb, "heads_params": ph, "heads_to_backbone": ph / pb}))
    return sorted(out, key=lambda o: o.id)


def paper_table(outcomes, runs: pd.DataFrame) -> pd.DataFrame:
    """The final table: the paper's number, ours, the difference, the verdict."""
    o = {x.id: x for x in outcomes}
    m = lambda v, c: float(_per_seed(runs, v, c).mean())
    rows = [
        ("05-1", "linear SVM, ModelNet40 role (clean test)", PAPER["modelnet40_svm"], m(FULL, "clean_acc")),
        ("05-1", "  CrossPoint-like global-only, same role", PAPER["crosspoint_modelnet40_svm"], m("global-only", "clean_acc")),
        ("05-2", "  local-only, same role", None, m("local-only", "clean_acc")),
        ("05-3", "Δ accuracy without pose encoding", PAPER["no_pose_delta"],
         m("local+global, no pose", "clean_acc") - m(FULL, "clean_acc")),
        ("05-4", "linear SVM, ScanObjectNN role (scan-like test)", PAPER["scanobjectnn_svm"], m(FULL, "scan_acc")),
        ("05-4", "  CrossPoint-like global-only, same role", PAPER["crosspoint_scanobjectnn_svm"], m("global-only", "scan_acc")),
        ("05-5", "heads + pose / backbone parameters", None, o["05-5"].numbers["heads_to_backbone"]),
    ]
    return pd.DataFrame([{"claim": c, "quantity": q, "paper": p, "ours": v,
                          "difference": (v - p) if p is not None else np.nan, "verdict": o[c].verdict}
                         for c, q, p, v in rows])
