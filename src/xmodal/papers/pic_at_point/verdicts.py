"""The five claims judged from the ablation runs by the rules registered in :data:`.paper.REGISTRY`.

05-1, 05-2 and 05-4 are "L+G+pose beats both others": one :func:`~xmodal.claims.gain` per comparison (paired by
seed, in percentage points, against the claim's registered smallest effect m) combined by
:func:`~xmodal.claims.combine_gains`; 05-3 is one gain (with minus without pose); 05-5 two exact parts
(:func:`~xmodal.claims.combine_parts`). Every threshold is read from the registry (``REGISTRY[cid].rule.m``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import combine_gains, combine_parts, decide, gain
from .paper import PAPER, REGISTRY

__all__ = ["judge_all", "paper_table", "FULL", "NO_POSE"]

FULL = "local+global + pose"
NO_POSE = "local+global, no pose"
#: what a level of ours is not comparable with (the paper column of 05-1 / 05-4)
_LEVEL = "not comparable: a procedural world after minutes of CPU pre-training, not {}"


def _per_seed(runs: pd.DataFrame, variant: str, col: str) -> np.ndarray:
    r = runs[runs["variant"] == variant].sort_values("seed")
    return r[col].to_numpy(np.float64)


def _key(variant: str) -> str:
    return variant.replace("+", "").replace(" ", "_").replace(",", "")


def _signed(iv, sign: float = 1.0) -> str:
    """``+2.8 pp [+0.4, +5.1]`` of an interval in pp (``sign=-1``: of the opposite difference)."""
    lo, hi = sorted((sign * iv.lo, sign * iv.hi))
    return f"{sign * iv.mean:+.1f} pp [{lo:+.1f}, {hi:+.1f}]".replace("-", "−")


def _gains(runs, cid: str, col: str, others) -> tuple[list, list, dict, dict]:
    """A gain of FULL over each of ``others`` on column ``col`` against the claim's registered m → (decisions,
    evidence parts, numbers, {other: decision})."""
    m = REGISTRY[cid].rule.m("gain")
    a = 100 * _per_seed(runs, FULL, col)
    decs, ev, nums, by = [], [], {f"{col}_full": float(a.mean()) / 100}, {}
    for o in others:
        b = 100 * _per_seed(runs, o, col)
        d = gain(a, b, m)
        at0 = decide(d.interval, "gain", 0.0, seeds=False)  # the same interval read at 0 (context, not the verdict)
        need = f", {d.seeds_needed} seeds would decide it" if d.holds is None and d.seeds_needed else ""
        ev.append(f"vs {o}: {_signed(d.interval)} → {d.word} (gain > {m:g} pp{need})"
                  + (f"; read against 0 instead: {at0.word}" if at0.holds != d.holds else ""))
        k = _key(o)
        nums[f"delta_{k}"] = d.interval.mean / 100
        nums[f"delta_{k}_lo"], nums[f"delta_{k}_hi"] = d.interval.lo / 100, d.interval.hi / 100
        nums[f"{col}_{k}"] = float(b.mean()) / 100
        decs.append(d)
        by[o] = d
    return decs, ev, nums, by


def judge_all(runs: pd.DataFrame, params: pd.DataFrame) -> list:
    """Outcomes of 05-1 … 05-5 from the per-seed runs (columns variant, seed, clean_acc, scan_acc) and the
    parameter table (module, parameters)."""
    out = []
    n = len(_per_seed(runs, FULL, "clean_acc"))
    for cid, col, others, world in (("05-1", "clean_acc", ["global-only", "random-init"], "ModelNet40"),
                                    ("05-2", "clean_acc", ["global-only", "local-only"], None),
                                    ("05-4", "scan_acc", ["global-only", "random-init"], "ScanObjectNN")):
        decs, ev, nums, by = _gains(runs, cid, col, others)
        j = combine_gains(decs, judged=True)
        test = "clean" if col == "clean_acc" else "scan-like"
        diffs = "; ".join(f"L+G+pose − {o}{' (CrossPoint-like)' if o == 'global-only' else ''} "
                          f"{_signed(by[o].interval)}" for o in others)
        if world:  # the paper's cell: a level and its gain over CrossPoint — ours: the gain, then the level
            ours = f"{diffs}; level {100 * nums[f'{col}_full']:.1f} % ({test} test) — {_LEVEL.format(world)}"
        else:
            ours = f"not comparable: the sheet has no numbers for the paper's loss ablation; {diffs}"
        out.append(REGISTRY.judge(cid, j, ours, "; ".join(ev) + f" (n = {n} seeds)", nums))

    decs, ev, nums, by = _gains(runs, "05-3", "clean_acc", [NO_POSE])
    iv = by[NO_POSE].interval
    out.append(REGISTRY.judge("05-3", combine_gains(decs, judged=True),
                              f"without − with pose {_signed(iv, -1)} (the paper's sign; with − without "
                              f"{_signed(iv)})", "with pose " + "; ".join(ev) + f" (n = {n} seeds)", nums))

    rule = REGISTRY["05-5"].rule
    cap, big = rule.m("heads"), rule.m("backbone") * 1e6
    p = params.set_index("module")["parameters"]
    pb, ph = int(p["backbone"]), int(p["heads + pose (added by the recipe)"])
    parts = [ph <= cap * pb, pb <= big]
    word = {True: "holds", False: "fails"}
    out.append(REGISTRY.judge(
        "05-5", combine_parts(parts, judged=True),
        f"backbone {pb / 1e3:,.0f} k parameters (paper's DGCNN ~{PAPER['dgcnn_params'] / 1e6:g} M); heads + pose "
        f"encoder {ph / 1e3:,.0f} k = {ph / pb:.2f} × the backbone (the paper gives no count)",
        f"heads + pose / backbone = {ph / pb:.2f}, at most {cap:g}: {word[parts[0]]}; backbone {pb:,} parameters, "
        f"at most {big:,.0f}: {word[parts[1]]}",
        {"backbone_params": pb, "heads_params": ph, "heads_to_backbone": ph / pb}))
    return sorted(out, key=lambda o: o.id)


def paper_table(outcomes, runs: pd.DataFrame) -> pd.DataFrame:
    """The final table: the paper's number, ours (the same quantity, the same direction), their difference where
    the two can compare (NaN and a note where they cannot), the verdict."""
    o = {x.id: x for x in outcomes}
    m = lambda v, c: float(_per_seed(runs, v, c).mean())
    d = lambda v, c: m(FULL, c) - m(v, c)
    lvl = lambda w: _LEVEL.format(w)
    rows = [
        ("05-1", "L+G+pose − CrossPoint-like global-only, clean test (ModelNet40 role)",
         PAPER["modelnet40_svm"] - PAPER["crosspoint_modelnet40_svm"], d("global-only", "clean_acc"), ""),
        ("05-1", "  L+G+pose − random-init, clean test", None, d("random-init", "clean_acc"), ""),
        ("05-1", "  L+G+pose accuracy, clean test", PAPER["modelnet40_svm"], m(FULL, "clean_acc"), lvl("ModelNet40")),
        ("05-1", "  global-only accuracy, clean test", PAPER["crosspoint_modelnet40_svm"], m("global-only", "clean_acc"),
         lvl("ModelNet40") + "; and CrossPoint trains its image encoder"),
        ("05-2", "L+G+pose − local-only, clean test", None, d("local-only", "clean_acc"), ""),
        ("05-3", "without pose − with pose, clean test", PAPER["no_pose_delta"], -d(NO_POSE, "clean_acc"), ""),
        ("05-4", "L+G+pose − CrossPoint-like global-only, scan-like test (ScanObjectNN role)",
         PAPER["scanobjectnn_svm"] - PAPER["crosspoint_scanobjectnn_svm"], d("global-only", "scan_acc"), ""),
        ("05-4", "  L+G+pose − random-init, scan-like test", None, d("random-init", "scan_acc"), ""),
        ("05-4", "  L+G+pose accuracy, scan-like test", PAPER["scanobjectnn_svm"], m(FULL, "scan_acc"),
         lvl("ScanObjectNN")),
        ("05-4", "  global-only accuracy, scan-like test", PAPER["crosspoint_scanobjectnn_svm"],
         m("global-only", "scan_acc"), lvl("ScanObjectNN") + "; and CrossPoint trains its image encoder"),
        ("05-5", "backbone parameters", PAPER["dgcnn_params"], o["05-5"].numbers["backbone_params"],
         "a smaller DGCNN by design (deviations: 3D backbone); the paper's count is from memory"),
        ("05-5", "  heads + pose / backbone parameters", None, o["05-5"].numbers["heads_to_backbone"], ""),
    ]
    return pd.DataFrame([{"claim": c, "quantity": q, "paper": p, "ours": v,
                          "difference": (v - p) if p is not None and not note.startswith("not comparable") else np.nan,
                          "note": note, "verdict": o[c].verdict}
                         for c, q, p, v, note in rows])
