"""Claims 03-1..03-4 judged from the experiment's data by the rules of :data:`.paper.REGISTRY` (no logic elsewhere).

Every threshold is read from the registry (``REGISTRY[cid].rule.m(name)``), the same :class:`~xmodal.claims.Margin`
objects the printed rule texts are written from. Each part is a :class:`~xmodal.claims.Decision` (holds / fails /
undecided) or, for the one-run timing claim, a plain True / False; :func:`xmodal.claims.judgement` combines them.
"""
from __future__ import annotations

import itertools

import numpy as np

from ...claims import Interval, above, close, decide, gain, judgement, mark
from .paper import PAPER, REGISTRY

__all__ = ["judge_zeroshot", "judge_mapping", "judge_usefulness", "judge_speed", "judge_all"]


def _parts(**parts) -> str:
    """All parts hold → reproduced; some → partly reproduced; none → not reproduced."""
    ps = list(parts.values())
    return "reproduced" if all(ps) else "partly reproduced" if any(ps) else "not reproduced"


def _redraw_range(x, shift: float = 0.0, sign: float = 1.0) -> Interval:
    """The 2.5–97.5 % range of ``shift + sign · x`` over Double Roulette redraws ``x (draws,)`` as an
    :class:`Interval` (mean, lo, hi, n = draws). Not a seed interval: decide it with ``seeds=False``."""
    y = shift + sign * np.asarray(x, np.float64)
    lo, hi = np.quantile(y, [0.025, 0.975])
    return Interval(float(y.mean()), float(lo), float(hi), int(y.size))


# ------------------------------------------------------------------------------------------------------- 03-1


def _zeroshot_rule(**parts) -> str:
    weak = all(v for k, v in parts.items() if k.startswith("weak:"))
    # a pair differs clearly when its "close" part fails
    spread = any(not v for k, v in parts.items() if k.startswith("pair:"))
    return _parts(weak=weak, spread=spread)


_LARGER = "the range is the spread of one 40-render test set, which more redraws do not narrow: a larger pool of objects per class would decide it"


def judge_zeroshot(st: dict):
    """03-1 from the Double Roulette distributions and the clean mesh renders.

    Weak, per model: the redraw range of (mesh top-1 − roulette top-1) against the registered gap (kind "above").
    Spread, per pair: the redraw range of the per-draw difference against ±m (kind "close"; the pair differs clearly
    when it fails). The ranges are not seed intervals (``seeds=False``)."""
    rule = REGISTRY["03-1"].rule
    gap, m = rule.m("weak_gap"), rule.m("spread")
    models = list(st["roulette"])
    if len(models) < 2:
        return REGISTRY.judge("03-1", "not testable", f"{len(models)} image-text model",
                              "the spread between models needs at least two image-text models", {})
    parts, nums, ev = {}, {}, []
    for name in models:
        t1 = np.asarray(st["roulette"][name]["top1"], np.float64)
        mesh = float(st["zs_rows"][name]["clean mesh renders, test split"][0])
        q = np.quantile(t1, [0.025, 0.975])
        d = decide(_redraw_range(t1, shift=mesh, sign=-1.0), "above", gap, seeds=False, why=_LARGER)
        parts[f"weak: {name}"] = d
        nums.update({f"{name}_roulette_mean": t1.mean(), f"{name}_roulette_q025": q[0], f"{name}_roulette_q975": q[1],
                     f"{name}_mesh_top1": mesh})
        ev.append(f"{name}: roulette top-1 {t1.mean():.3f} [{q[0]:.3f}, {q[1]:.3f}] vs mesh {mesh:.3f}, gap "
                  f"{d.fmt(digits=3)}")
    for a, b in itertools.combinations(models, 2):
        diff = np.asarray(st["roulette"][a]["top1"], np.float64) - np.asarray(st["roulette"][b]["top1"], np.float64)
        d = decide(_redraw_range(diff), "close", m, seeds=False, why=_LARGER)
        parts[f"pair: {a} − {b}"] = d
        nums.update({f"diff_{a}_{b}_mean": d.interval.mean, f"diff_{a}_{b}_q025": d.interval.lo,
                     f"diff_{a}_{b}_q975": d.interval.hi})
        differs = {True: "inside the band: no clear difference", False: "outside the band: a clear difference",
                   None: "straddles the band: undecided"}[d.holds]
        ev.append(f"per-draw difference {a} − {b}: {d.interval.fmt(digits=3)} ({differs}, ±{m:g})")
    j = judgement(_zeroshot_rule, **parts)
    first = {name: float(np.asarray(r["top1"])[0]) for name, r in st["roulette"].items()}
    mean = {name: float(np.mean(r["top1"])) for name, r in st["roulette"].items()}
    lo, hi = min(first.values()), max(first.values())
    draws = len(np.asarray(st["roulette"][models[0]]["top1"]))
    ours = (f"top-1 {lo:.3f}-{hi:.3f} across {len(first)} models on the first Double Roulette set of 40 renders "
            f"(spread {hi - lo:.3f}); mean over {draws:,} redraws {min(mean.values()):.3f}-{max(mean.values()):.3f} "
            f"(spread {max(mean.values()) - min(mean.values()):.3f})")
    nums.update({"first_top1_min": lo, "first_top1_max": hi, "first_top1_spread": hi - lo})
    return REGISTRY.judge("03-1", j, ours, "; ".join(ev), nums)


# ------------------------------------------------------------------------------------------------------- 03-2


def judge_mapping(st: dict):
    """03-2 from the L1DIV table (variant × seed): LNORM's gains over BASE and RNORM, and BASE ≈ RNORM inside a band
    relative to their mean L1DIV."""
    rule = REGISTRY["03-2"].rule
    t = st["l1div"]
    per = {v: t[t["variant"] == v].sort_values("seed")["L1DIV"].to_numpy(np.float64) for v in ("base", "lnorm", "rnorm")}
    means = {v: float(x.mean()) for v, x in per.items()}
    m = rule.m("l1div_gain")
    band = rule.m("close_band") * 0.5 * (means["base"] + means["rnorm"])
    d1 = gain(per["lnorm"], per["base"], m)
    d2 = gain(per["lnorm"], per["rnorm"], m)
    d3 = close(per["base"], per["rnorm"], band)
    j = judgement(_parts, **{"LNORM − BASE": d1, "LNORM − RNORM": d2, "BASE ≈ RNORM": d3})
    r_lb, r_rb = means["lnorm"] / means["base"], means["rnorm"] / means["base"]
    ours = f"LNORM / BASE = {r_lb:.2f}×, RNORM / BASE = {r_rb:.2f}× (mean L1DIV over {len(per['base'])} seeds)"
    ev = (f"L1DIV BASE {means['base']:.3f}, LNORM {means['lnorm']:.3f}, RNORM {means['rnorm']:.3f}; "
          f"LNORM − BASE {d1.fmt(digits=3)}; LNORM − RNORM {d2.fmt(digits=3)}; BASE − RNORM {d3.fmt(digits=3)}; "
          f"{len(per['base'])} seeds")
    nums = {**{f"l1div_{v}": x for v, x in means.items()}, "ratio_lnorm_base": r_lb, "ratio_rnorm_base": r_rb,
            "close_band": band}
    for key, d in (("diff_lnorm_base", d1), ("diff_lnorm_rnorm", d2), ("diff_base_rnorm", d3)):
        nums.update({key: d.interval.mean, f"{key}_lo": d.interval.lo, f"{key}_hi": d.interval.hi})
    return REGISTRY.judge("03-2", j, ours, ev, nums)


# ------------------------------------------------------------------------------------------------------- 03-3


def _usefulness_rule(**parts) -> str:
    ret = all(v for k, v in parts.items() if k.startswith("R@"))
    zs = parts["zero-shot"]
    keep = all(v for k, v in parts.items() if k.startswith("keep:"))
    return _parts(retrieval=ret, zeroshot=zs, graceful=keep)


def judge_usefulness(st: dict):
    """03-3 from the clean retrieval / zero-shot (one row per mapping seed) and the robustness table (per seed,
    corruption and severity): every value a seed interval against its registered threshold."""
    rule = REGISTRY["03-3"].rule
    factor, graceful = rule.m("chance_factor"), rule.m("graceful")
    r = st["retrieval"].sort_values("seed")
    Q, C = st["map_sizes"]["test"], st["n_classes"]
    parts, nums = {}, {}
    for k in (1, 5, 10):
        parts[f"R@{k}"] = above(r[f"R@{k}"].to_numpy(np.float64), factor * k / Q)
    parts["zero-shot"] = above(r["zero-shot top-1"].to_numpy(np.float64), factor / C)
    rob = st["robustness"]
    chance5 = 5 / st["n_gallery"]
    clean_by_seed = rob[rob["group"] == "clean"].groupby("seed")["R@5"].mean()
    clean = float(clean_by_seed.mean())
    keep = {}
    for g in ("noise", "transform", "density"):
        sev5 = rob[(rob["group"] == g) & (rob["severity"] == 5)].groupby("seed")["R@5"].mean()
        share = ((sev5 - chance5) / np.maximum(clean_by_seed.loc[sev5.index] - chance5, 1e-9)).to_numpy(np.float64)
        keep[g] = above(share, graceful)
        # no margin over chance on clean clouds: nothing to keep, the part fails
        parts[f"keep: {g}"] = keep[g] if clean > chance5 else False
    j = judgement(_usefulness_rule, **parts)
    ret = {k: float(r[k].mean()) for k in ("R@1", "R@5", "R@10", "zero-shot top-1")}
    ours = (f"not comparable: qualitative in the paper; ours R@1/5/10 {ret['R@1']:.3f}/{ret['R@5']:.3f}/"
            f"{ret['R@10']:.3f} (chance {1 / Q:.3f}/{5 / Q:.3f}/{10 / Q:.3f}); zero-shot {ret['zero-shot top-1']:.3f} "
            f"(chance {1 / C:.3f})")
    ev = (f"Q = {Q} test clouds, {len(r)} mapping seeds; "
          + "; ".join(f"{k} {parts[k].fmt(digits=3)}" for k in ("R@1", "R@5", "R@10", "zero-shot"))
          + f"; corruption set R@5 clean {clean:.3f} (chance {chance5:.3f}); severity-5 share of clean's margin kept: "
          + ", ".join(f"{g} {d.fmt(digits=2)}" for g, d in keep.items()))
    nums = {"R@1": ret["R@1"], "R@5": ret["R@5"], "R@10": ret["R@10"], "zeroshot": ret["zero-shot top-1"]}
    for key, d in (("R@1", parts["R@1"]), ("R@5", parts["R@5"]), ("R@10", parts["R@10"]),
                   ("zeroshot", parts["zero-shot"]), *((f"keep_{g}", d) for g, d in keep.items())):
        nums.update({key: d.interval.mean, f"{key}_lo": d.interval.lo, f"{key}_hi": d.interval.hi})
    return REGISTRY.judge("03-3", j, ours, ev, nums)


# ------------------------------------------------------------------------------------------------------- 03-4


def judge_speed(st: dict):
    """03-4 from the renderer table: one timed run per renderer, so each part holds or fails (never undecided)."""
    rule = REGISTRY["03-4"].rule
    t = st["speed"].set_index("variant")
    paper = PAPER["table1_points_per_s"]
    paper_ratio = paper["llvm_ad_rgb"] / paper["scalar_rgb"]
    proj = float(t.loc["project renderer", "renders/s"])
    scalar = float(t.loc["scalar_rgb", "renders/s"]) if "scalar_rgb" in t.index else np.nan
    if not np.isfinite(scalar):
        return REGISTRY.judge("03-4", "not testable", f"not comparable: Mitsuba not available here; project "
                                                      f"{proj:.1f} renders/s",
                              "Mitsuba's scalar variant did not run here; install mitsuba", {"project_renders_per_s": proj})
    parts = {"project": proj / scalar >= rule.m("project_ratio")}
    llvm = float(t.loc["llvm_ad_rgb", "renders/s"]) if "llvm_ad_rgb" in t.index else np.nan
    if np.isfinite(llvm):
        parts["llvm"] = llvm / scalar > rule.m("llvm_ratio")
    j = judgement(_parts, **parts)
    if np.isfinite(llvm):
        ours = f"llvm / scalar = {llvm / scalar:.2f}× (paper ≈ {paper_ratio:.2f}×); project / scalar = {proj / scalar:.0f}×"
    else:
        ours = f"not comparable: Mitsuba's LLVM variant not available here; project / scalar = {proj / scalar:.0f}×"
    ev = (f"renders/s: project {proj:.1f}, scalar {scalar:.2f}"
          + (f", llvm {llvm:.2f}" if np.isfinite(llvm) else ", llvm not available")
          + f"; project / scalar {mark(parts['project'])}"
          + (f", llvm / scalar {mark(parts['llvm'])}" if "llvm" in parts else "")
          + "; cuda not measured (no GPU); one run, machine dependent")
    nums = {"ratio_project_scalar": proj / scalar}
    if np.isfinite(llvm):
        nums["ratio_llvm_scalar"] = llvm / scalar
    return REGISTRY.judge("03-4", j, ours, ev, nums)


def judge_all(st: dict) -> list:
    return [judge_zeroshot(st), judge_mapping(st), judge_usefulness(st), judge_speed(st)]
