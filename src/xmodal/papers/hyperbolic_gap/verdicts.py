"""Measurements → verdicts of claims 04-1..04-5 by the rules registered in :data:`~.paper.REGISTRY`."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ...claims import combine_comparisons, combine_parts, compare, decided
from .paper import (AREA_RTOL, GAP_RATE, HIERARCHY_MARGIN, LEVEL_RHO, REGISTRY, RETRIEVAL_MARGIN, SLOPE_RTOL,
                    SPREAD_RHO, VIOLATION_RATE)

__all__ = ["RETRIEVAL", "per_seed", "spread_rho", "judge_retrieval", "judge_gap", "judge_propositions",
           "judge_curvature", "judge_hierarchy", "judge_all", "paper_vs_ours"]

RETRIEVAL = ("t2i_R@1", "t2i_R@5", "t2i_R@10", "i2t_R@1", "i2t_R@5", "i2t_R@10")


def per_seed(frame: pd.DataFrame, method: str, metric: str, **where) -> np.ndarray:
    """Values of ``metric`` for ``method`` ordered by seed (rows matching ``where``, e.g. c=10.0)."""
    m = frame["method"] == method
    for k, v in where.items():
        m &= np.isclose(frame[k], v)
    return frame[m].sort_values("seed")[metric].to_numpy(float)


def _cmp(frame, a, b, metric, margin, **where):
    out, iv = compare(per_seed(frame, a, metric, **where), per_seed(frame, b, metric, **where), margin)
    return out, iv


def _fmt(iv) -> str:
    return f"{iv.mean:+.3f} [{iv.lo:+.3f}, {iv.hi:+.3f}]"


def judge_retrieval(main: pd.DataFrame):
    """04-1: A = ATMG − MERU over 6 recalls; B = MERU − CLIP never 'worse'."""
    nums, ev_a, a_out, b_out = {}, [], [], []
    for met in RETRIEVAL:
        o, iv = _cmp(main, "atmg", "meru", met, RETRIEVAL_MARGIN)
        a_out.append(o)
        ev_a.append(f"{met} {_fmt(iv)} {o}")
        nums[f"atmg_minus_meru_{met}"] = iv.mean
        o2, iv2 = _cmp(main, "meru", "clip", met, RETRIEVAL_MARGIN)
        b_out.append(o2)
        nums[f"meru_minus_clip_{met}"] = iv2.mean
    for m in ("clip", "meru", "atmg"):
        nums[f"{m}_R@5"] = float(per_seed(main, m, "R@5").mean())
    A = combine_comparisons(a_out)
    B = "worse" not in b_out
    verdict = "partly reproduced" if (A == "reproduced" and not B) else A
    ours = (f"R@5 (mean of both directions) CLIP {nums['clip_R@5']:.3f}, MERU {nums['meru_R@5']:.3f}, "
            f"ATMG {nums['atmg_R@5']:.3f}")
    ev = (f"ATMG − MERU: {'; '.join(ev_a)} → {A}. MERU − CLIP: {b_out.count('worse')} of 6 'worse' → "
          f"B {'holds' if B else 'fails'}")
    return REGISTRY.judge("04-1", verdict, ours, ev, nums)


def judge_gap(main: pd.DataFrame):
    """04-2: ATMG's gap rate and level ρ (seed means) against their thresholds."""
    g, r = per_seed(main, "atmg", "gap_rate").mean(), per_seed(main, "atmg", "level_rho").mean()
    levels = [per_seed(main, "atmg", f"d0_level{lv}").mean() for lv in range(5)]
    img = per_seed(main, "atmg", "d0_image").mean()
    verdict = combine_parts([g >= GAP_RATE, r >= LEVEL_RHO])
    ours = f"text nearer than image in {g:.1%} of pairs; ρ(level, d(O, ·)) = {r:.3f}"
    ev = (f"ATMG d(O, caption) by level 0–4: {', '.join(f'{v:.2f}' for v in levels)}; images {img:.2f}; "
          f"(i) {g:.3f} {'≥' if g >= GAP_RATE else '<'} {GAP_RATE}; (ii) {r:.3f} {'≥' if r >= LEVEL_RHO else '<'} {LEVEL_RHO}")
    nums = {"gap_rate": g, "level_rho": r, "d0_image": img, **{f"d0_level{lv}": v for lv, v in enumerate(levels)}}
    return REGISTRY.judge("04-2", verdict, ours, ev, nums)


def spread_rho(track: pd.DataFrame) -> float:
    """Spearman ρ over the training evaluations of (mean matched distance, image spread)."""
    return float(spearmanr(track["pair_dist"], track["image_spread"])[0])


def judge_propositions(main: pd.DataFrame, tracks: dict, prop1: dict, prop2: dict):
    """04-3: MERU's cone violations, Props 1 and 2 in H², and the spread under MERU's training."""
    viol = per_seed(main, "meru", "cone_violation").mean()
    rho = float(np.mean([spread_rho(tracks[k]) for k in sorted(tracks)]))
    p1 = prop1["n_outside"] >= 1 and prop1["total_free"] > prop1["total_cone"]
    slope_err = abs(prop2["slope"] / prop2["sqrt_c"] - 1)
    p2 = prop2["max_rel_error"] <= AREA_RTOL and slope_err <= SLOPE_RTOL
    parts = [viol >= VIOLATION_RATE, p1, p2, rho >= SPREAD_RHO]
    verdict = combine_parts(parts)
    ours = (f"MERU violation rate {viol:.1%}; H²: {prop1['n_outside']}/{len(prop1['theta_free'])} outside at the "
            f"optimum; cone-area slope {prop2['slope']:.3f} (√c = {prop2['sqrt_c']:.3f}); spread ρ {rho:.2f}")
    ev = (f"(i) violation {viol:.3f} vs {VIOLATION_RATE} {'✓' if parts[0] else '✗'}; (ii) Σd free "
          f"{prop1['total_free']:.3f} > in-cone {prop1['total_cone']:.3f}, {prop1['n_outside']} outside "
          f"{'✓' if p1 else '✗'}; (iii) MC area max rel. error {prop2['max_rel_error']:.3f}, slope error "
          f"{slope_err:.3f} {'✓' if p2 else '✗'}; (iv) ρ(matched distance, image spread) over training {rho:.3f} "
          f"vs {SPREAD_RHO} {'✓' if parts[3] else '✗'}")
    nums = {"violation_rate": viol, "spread_rho": rho, "prop1_outside": prop1["n_outside"],
            "prop1_total_free": prop1["total_free"], "prop1_total_cone": prop1["total_cone"],
            "prop2_max_rel_error": prop2["max_rel_error"], "prop2_slope": prop2["slope"]}
    return REGISTRY.judge("04-3", verdict, ours, ev, nums)


def _mark(part) -> str:
    return "✓" if part else "within the noise" if part is None else "✗"


def judge_curvature(sweep: pd.DataFrame):
    """04-4: MERU's and ATMG's R@5 drop from the smallest to the largest swept c."""
    lo, hi = float(sweep["c"].min()), float(sweep["c"].max())
    res, nums = {}, {}
    for m in ("meru", "atmg"):
        a, b = per_seed(sweep, m, "R@5", c=lo), per_seed(sweep, m, "R@5", c=hi)
        res[m] = compare(a, b, RETRIEVAL_MARGIN)
        nums[f"{m}_R@5_cmin"], nums[f"{m}_R@5_cmax"] = float(a.mean()), float(b.mean())
        nums[f"{m}_drop"] = res[m][1].mean
    i = decided(res["meru"][0])  # True: MERU drops beyond the margin; None: within the noise
    atmg_iv = res["atmg"][1]
    ii = True if atmg_iv.hi < RETRIEVAL_MARGIN else False if res["atmg"][0] == "better" else None
    verdict = combine_parts([i, ii])
    ours = (f"R@5 c={lo:g} → c={hi:g}: MERU {nums['meru_R@5_cmin']:.3f} → {nums['meru_R@5_cmax']:.3f}, "
            f"ATMG {nums['atmg_R@5_cmin']:.3f} → {nums['atmg_R@5_cmax']:.3f}")
    ev = (f"drop (c_min − c_max): MERU {_fmt(res['meru'][1])} {res['meru'][0]}; ATMG {_fmt(res['atmg'][1])} "
          f"{res['atmg'][0]} → (i) {_mark(i)}, (ii) {_mark(ii)}")
    return REGISTRY.judge("04-4", verdict, ours, ev, nums)


def judge_hierarchy(main: pd.DataFrame):
    """04-5: ATMG − MERU on the taxonomy ρ (images, texts) and the parent-closer rate."""
    outs, ev, nums = [], [], {}
    for met in ("tax_rho_image", "tax_rho_text", "parent_closer"):
        o, iv = _cmp(main, "atmg", "meru", met, HIERARCHY_MARGIN)
        outs.append(o)
        ev.append(f"{met} {_fmt(iv)} {o}")
        for m in ("meru", "atmg"):
            nums[f"{m}_{met}"] = float(per_seed(main, m, met).mean())
    verdict = combine_comparisons(outs)
    ours = "; ".join(f"{met}: MERU {nums[f'meru_{met}']:.3f}, ATMG {nums[f'atmg_{met}']:.3f}"
                     for met in ("tax_rho_image", "tax_rho_text", "parent_closer"))
    return REGISTRY.judge("04-5", verdict, ours, "ATMG − MERU: " + "; ".join(ev), nums)


def judge_all(res, prop1: dict, prop2: dict) -> list:
    """The five outcomes, in order."""
    return [judge_retrieval(res.main), judge_gap(res.main), judge_propositions(res.main, res.tracks, prop1, prop2),
            judge_curvature(res.sweep), judge_hierarchy(res.main)]


def paper_vs_ours(outcomes) -> pd.DataFrame:
    """The final table: claim, paper, ours, verdict (the same rows land in ``reports/``)."""
    from ...claims import Registry

    return Registry.frame(outcomes)[["claim", "paper", "ours", "verdict", "evidence"]]
