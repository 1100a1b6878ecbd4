"""Claims 03-1..03-4 judged from the experiment's data by the rules of :data:`.paper.REGISTRY` (no logic elsewhere)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ...claims import combine_parts, compare, decided
from .paper import REGISTRY, SPEED_RATIO

__all__ = ["judge_zeroshot", "judge_mapping", "judge_usefulness", "judge_speed", "judge_all"]


def judge_zeroshot(st: dict):
    """03-1 from the Double Roulette distributions and the clean mesh renders."""
    s = st["settings"]
    weak, nums, ev = [], {}, []
    for m, r in st["roulette"].items():
        q = np.quantile(r["top1"], [0.025, 0.975])
        mesh = st["zs_rows"][m]["clean mesh renders, test split"][0]
        weak.append(bool(q[1] <= mesh - s.weak_gap))
        nums.update({f"{m}_roulette_mean": r["top1"].mean(), f"{m}_roulette_q975": q[1], f"{m}_mesh_top1": mesh})
        ev.append(f"{m}: roulette top-1 {r['top1'].mean():.3f} [{q[0]:.3f}, {q[1]:.3f}] vs mesh {mesh:.3f}")
    spread = []
    for a, b in itertools.combinations(st["roulette"], 2):
        d = st["roulette"][a]["top1"] - st["roulette"][b]["top1"]
        lo, hi = np.quantile(d, [0.025, 0.975])
        spread.append(bool(lo > 0 or hi < 0))
        nums[f"diff_{a}_{b}_mean"] = d.mean()
        ev.append(f"per-draw difference {a} − {b}: {d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]")
    spread_part = True if any(spread) else None
    verdict = combine_parts([all(weak), spread_part])
    first = {m: r["top1"][0] for m, r in st["roulette"].items()}
    ours = ", ".join(f"{m} {v:.3f}" for m, v in first.items()) + " top-1 on the first Double Roulette set"
    return REGISTRY.judge("03-1", verdict, ours, "; ".join(ev), nums)


def judge_mapping(st: dict):
    """03-2 from the L1DIV table (variant × seed)."""
    s, t = st["settings"], st["l1div"]
    per = {v: t[t["variant"] == v].sort_values("seed")["L1DIV"].to_numpy() for v in ("base", "lnorm", "rnorm")}
    c1, i1 = compare(per["lnorm"], per["base"], s.l1div_margin)
    c2, i2 = compare(per["lnorm"], per["rnorm"], s.l1div_margin)
    c3, i3 = compare(per["base"], per["rnorm"], s.l1div_margin)
    mean_br = 0.5 * (per["base"].mean() + per["rnorm"].mean())
    close = c3 == "inconclusive" or abs(i3.mean) <= s.close_tol * mean_br
    verdict = combine_parts([decided(c1), decided(c2), bool(close)])
    means = {v: float(x.mean()) for v, x in per.items()}
    ours = ", ".join(f"{v.upper()} {m:.3f}" for v, m in means.items())
    ev = (f"LNORM−BASE {i1.fmt(digits=3)} ({c1}); LNORM−RNORM {i2.fmt(digits=3)} ({c2}); BASE−RNORM "
          f"{i3.fmt(digits=3)} ({c3}, close={close}); {len(per['base'])} seeds")
    return REGISTRY.judge("03-2", verdict, ours, ev, {**{f"l1div_{v}": m for v, m in means.items()},
                                                      "diff_lnorm_base": i1.mean, "diff_base_rnorm": i3.mean})


def judge_usefulness(st: dict):
    """03-3 from the clean retrieval / zero-shot (mean over seeds) and the robustness table."""
    s = st["settings"]
    ret = st["retrieval"].mean(numeric_only=True)
    Q, C = st["map_sizes"]["test"], st["n_classes"]
    p1 = all(ret[f"R@{k}"] >= s.chance_factor * k / Q for k in (1, 5, 10))
    p2 = bool(ret["zero-shot top-1"] >= s.chance_factor / C)
    rob = st["robustness"].groupby(["group", "severity"])["R@5"].mean()
    chance5 = 5 / st["n_gallery"]
    clean = float(rob.loc[("clean", 0)])
    keep = {g: (float(rob.loc[(g, 5)]) - chance5) / max(clean - chance5, 1e-9) for g in ("noise", "transform", "density")}
    p3 = clean > chance5 and all(v >= s.graceful for v in keep.values())
    verdict = combine_parts([bool(p1), p2, bool(p3)])
    ours = (f"R@1/5/10 {ret['R@1']:.3f}/{ret['R@5']:.3f}/{ret['R@10']:.3f} (chance {1 / Q:.3f}/{5 / Q:.3f}/"
            f"{10 / Q:.3f}); zero-shot {ret['zero-shot top-1']:.3f} (chance {1 / C:.3f})")
    ev = (f"Q = {Q} test clouds; corruption set R@5 clean {clean:.3f} (chance {chance5:.3f}); severity-5 share of "
          "clean's margin kept: " + ", ".join(f"{g} {v:.2f}" for g, v in keep.items()))
    nums = {"R@1": ret["R@1"], "R@5": ret["R@5"], "R@10": ret["R@10"], "zeroshot": ret["zero-shot top-1"],
            **{f"keep_{g}": v for g, v in keep.items()}}
    return REGISTRY.judge("03-3", verdict, ours, ev, nums)


def judge_speed(st: dict):
    """03-4 from the renderer table."""
    t = st["speed"].set_index("variant")
    proj = float(t.loc["project renderer", "renders/s"])
    scalar = float(t.loc["scalar_rgb", "renders/s"]) if "scalar_rgb" in t.index else np.nan
    if not np.isfinite(scalar):
        return REGISTRY.judge("03-4", "not testable", f"project {proj:.1f} renders/s; Mitsuba not available",
                              "Mitsuba scalar_rgb did not run here; install mitsuba", {"project_renders_per_s": proj})
    parts = [proj / scalar >= SPEED_RATIO]
    llvm = float(t.loc["llvm_ad_rgb", "renders/s"]) if "llvm_ad_rgb" in t.index else np.nan
    if np.isfinite(llvm):
        parts.append(llvm > scalar)
    verdict = combine_parts(parts)
    ours = f"project/scalar = {proj / scalar:.0f}×" + (f"; llvm/scalar = {llvm / scalar:.2f}" if np.isfinite(llvm) else "")
    ev = (f"renders/s: project {proj:.1f}, scalar_rgb {scalar:.2f}"
          + (f", llvm_ad_rgb {llvm:.2f}" if np.isfinite(llvm) else ", llvm_ad_rgb not available")
          + "; cuda not measured (no GPU); one run, machine dependent")
    nums = {"ratio_project_scalar": proj / scalar}
    if np.isfinite(llvm):
        nums["ratio_llvm_scalar"] = llvm / scalar
    return REGISTRY.judge("03-4", verdict, ours, ev, nums)


def judge_all(st: dict) -> list:
    return [judge_zeroshot(st), judge_mapping(st), judge_usefulness(st), judge_speed(st)]
