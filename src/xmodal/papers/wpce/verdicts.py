"""Measurements → verdicts of paper 02's claims (:data:`~.paper.REGISTRY`, rules fixed in :mod:`.paper`).

Every comparison of two methods is a decision of :mod:`xmodal.claims` on per-seed values paired by seed:
:func:`~xmodal.claims.gain` ("A beats B by at least m") or :func:`~xmodal.claims.close` ("A ≈ B within ±m"), with
the smallest effect of interest m read from the registry (``REGISTRY[cid].rule.m(name)``: one source for the code
and the printed rule). Claims made of several comparisons combine them with :func:`~xmodal.claims.combine_gains`,
claims made of parts with :func:`~xmodal.claims.judgement` on a rule of named parts; either way a claim is
inconclusive only when its undecided parts could still change the verdict. Each :class:`~xmodal.claims.Outcome`
carries the headline numbers its rule used (differences in accuracy points, or Part A gaps in nats), its direction
and, when inconclusive, the seeds that would decide it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Decision, Outcome, above, close, combine_gains, gain, judgement, mark, seed_interval
from .paper import REGISTRY
from .pipeline import per_seed
from .settings import VARIANTS, Settings, SyntheticSettings

__all__ = ["judge_rank_limit", "judge_wpce_vs_clip", "judge_signed_weights",
           "judge_nonlinear_kernel", "judge_kernel_sensitivity", "judge_all",
           "rule_rank_limit", "rule_parts", "rule_sensitivity"]

_SHORT = {"zeroshot": "zero-shot", "probe_after": "probe after", "probe_before": "probe before"}
_DECIDE = {"gain": gain, "close": close}


# ---------------------------------------------------------------------------------------------------- rules of parts
# Each rule is a function of named boolean parts (True / False; xmodal.claims.judgement tries every way the
# undecided ones could fall). Their words are the registered rule texts of paper.REGISTRY.


def _parts_verdict(parts) -> str:
    parts = list(parts)
    return "reproduced" if all(parts) else "partly reproduced" if any(parts) else "not reproduced"


def rule_rank_limit(above_floor: bool, shrink: bool, **closer: bool) -> str:
    """02-1: part (i) the rank limit (``above_floor`` and ``shrink``), part (ii) WPCE closer at every d
    (``closer``: one gain per swept d). Both parts → reproduced, one → partly, neither → not reproduced."""
    return _parts_verdict([above_floor and shrink, all(closer.values())])


def rule_parts(**parts: bool) -> str:
    """02-4: every part holds → reproduced, some → partly, none → not reproduced."""
    return _parts_verdict(parts.values())


def rule_sensitivity(**closes: bool) -> str:
    """02-5 on ``close`` decisions named ``kernel_<i>`` / ``scale_<i>``: a part (kernel, scale) holds — the results
    differ clearly — when some of its comparisons is not close (its interval outside the band), and fails when every
    one is close. Both parts → reproduced, one → partly, neither → not reproduced."""
    kernel = [v for k, v in closes.items() if k.startswith("kernel")]
    scale = [v for k, v in closes.items() if k.startswith("scale")]
    return _parts_verdict([not all(kernel), not all(scale)])


# ---------------------------------------------------------------------------------------------------- comparisons


def _decide(table: pd.DataFrame, a: str, b: str, metric: str, kind: str, m: float) -> Decision:
    """The ``kind`` decision ("gain" / "close") of ``metric``'s paired difference a − b over the seeds both have."""
    common = set(table.loc[table["variant"] == a, "seed"]) & set(table.loc[table["variant"] == b, "seed"])
    sub = table[table["seed"].isin(common)]
    return _DECIDE[kind](per_seed(sub, a, metric), per_seed(sub, b, metric), m)


def _iv_numbers(key: str, values) -> dict:
    """``key`` (mean), ``key_lo`` / ``key_hi`` (95 % t-interval over seeds) of per-seed values."""
    iv = seed_interval(np.asarray(values, np.float64))
    return {key: float(iv.mean), f"{key}_lo": float(iv.lo), f"{key}_hi": float(iv.hi)}


def _nats(dec: Decision) -> str:
    return dec.fmt(digits=3, unit="nats")


def judge_rank_limit(part_a: pd.DataFrame, settings: SyntheticSettings) -> Outcome:
    """02-1 from Part A's runs (columns method, d, seed, gap). (i) rank limit: the seed interval of each seed's
    smallest excess of CLIP's gap over its floor (method ``clip_floor``, CLIP at d = N) across the swept d lies above
    the registered margin, and CLIP's gap at the smallest d exceeds the one at the largest by the registered gain
    (paired over seeds); (ii) CLIP's gap exceeds WPCE's by that gain at every d (paired). ``settings``: the Part A
    settings of the run (the rule's margins are the registry's, not the settings')."""
    need = {"method", "d", "seed", "gap"}
    if not need.issubset(part_a.columns) or not {"clip", "wpce", "clip_floor"}.issubset(set(part_a["method"])):
        raise ValueError("part_a needs columns method, d, seed, gap with rows for methods 'clip', 'wpce' and "
                         "'clip_floor' (the output of run_synthetic_seeds)")
    rule = REGISTRY["02-1"].rule
    m_floor, m_gap = rule.m("above_floor"), rule.m("gap_gain")
    gap = part_a[part_a["method"] != "clip_floor"].pivot_table(index=["method", "d"], columns="seed", values="gap")
    floor = part_a[part_a["method"] == "clip_floor"].set_index("seed")["gap"].sort_index()
    ds = sorted(set(gap.loc["clip"].index) & set(gap.loc["wpce"].index))
    if not ds:
        raise ValueError("no d has both a 'clip' and a 'wpce' row")
    c = {d: gap.loc[("clip", d)].to_numpy() for d in ds}
    w = {d: gap.loc[("wpce", d)].to_numpy() for d in ds}
    seeds = list(gap.columns)
    if list(floor.index) != seeds:
        raise ValueError(f"the clip_floor runs have seeds {list(floor.index)}, the swept runs {seeds}")
    fl = floor.to_numpy()
    excess = {d: c[d] - fl for d in ds}
    smallest = np.min(np.stack([excess[d] for d in ds]), axis=0)  # (n_seeds,) each seed's smallest excess over d
    above_floor = above(smallest, m_floor)
    # one swept d cannot show a shrinking gap: undecided, and more seeds cannot decide it
    shrink = gain(c[ds[0]], c[ds[-1]], m_gap) if len(ds) > 1 else None
    closer = {d: gain(c[d], w[d], m_gap) for d in ds}
    j = judgement(rule_rank_limit, above_floor=above_floor, shrink=shrink,
                  **{f"closer_d{d}": dec for d, dec in closer.items()})
    part1 = judgement(lambda a, s: "reproduced" if a and s else "not reproduced", a=above_floor, s=shrink).verdict
    part2 = judgement(lambda **k: "reproduced" if all(k.values()) else "not reproduced",
                      **{f"d{d}": dec for d, dec in closer.items()}).verdict
    state = {"reproduced": "holds", "not reproduced": "fails"}
    floor_d = int(part_a.loc[part_a.method == "clip_floor", "d"].iloc[0])
    ours = ("not comparable: the paper states a theorem (no experiment); ours, gap (nats) CLIP / WPCE: "
            + ", ".join(f"d={d}: {c[d].mean():.3f} / {w[d].mean():.3f}" for d in ds)
            + f"; CLIP floor (d={floor_d}): {fl.mean():.3f}; CLIP's smallest excess over the floor "
            f"{above_floor.interval.mean:.3f}")
    evidence = ("CLIP gap − floor per seed: " + ", ".join(f"d={d} [{', '.join(f'{x:.3f}' for x in excess[d])}]"
                                                         for d in ds)
                + f"; smallest over d per seed: {_nats(above_floor)}; CLIP gap d={ds[0]} − d={ds[-1]}: "
                + (_nats(shrink) if shrink is not None else "— (one swept d)")
                + "; CLIP − WPCE gap: " + ", ".join(f"d={d} {_nats(dec)}" for d, dec in closer.items())
                + f" [parts: rank limit {state.get(part1, 'undecided')}, WPCE closer {state.get(part2, 'undecided')}]")
    numbers = _iv_numbers("clip_floor_gap", fl)
    for d in ds:
        numbers.update(_iv_numbers(f"clip_gap/d={d}", c[d]))
        numbers.update(_iv_numbers(f"wpce_gap/d={d}", w[d]))
        numbers[f"clip_excess_min/d={d}"] = float(excess[d].min())
    numbers.update(_iv_numbers("clip_excess_smallest", smallest))
    return REGISTRY.judge("02-1", j, ours, evidence, numbers)


def _comparisons(table: pd.DataFrame, pairs, kind: str, m: float):
    """[(key, label, Decision)] for (a, b, metric) triples."""
    return [(f"{a}-{b}/{met}", f"{VARIANTS[a].label} − {VARIANTS[b].label} {_SHORT[met]}",
             _decide(table, a, b, met, kind, m)) for a, b, met in pairs]


def _fmt(comps) -> str:
    return "; ".join(f"{lab} {dec.fmt(100, unit='pts')}" for _, lab, dec in comps)


def _numbers(comps) -> dict:
    """Paired differences in points with their 95 % interval (``_lo`` / ``_hi``)."""
    out = {}
    for k, _, dec in comps:
        iv = dec.interval
        out[f"{k}/diff_pts"] = 100 * iv.mean
        out[f"{k}/diff_pts_lo"] = 100 * iv.lo
        out[f"{k}/diff_pts_hi"] = 100 * iv.hi
    return out


def _pt(dec: Decision) -> str:
    """The signed mean paired difference in points (e.g. ``−1.4``)."""
    return f"{100 * dec.interval.mean:+.1f}".replace("-", "−")


def _sweep_comparisons(sweep: pd.DataFrame, n_classes: int, m: float, main_d: int):
    """[(key, label, Decision)]: the gain WPCE Gaussian − CLIP zero-shot at each swept d < n_classes − 1
    (d = ``main_d`` is already a main comparison and is not counted twice)."""
    out = []
    if sweep is None or not len(sweep):
        return out
    for d in sorted(set(sweep["d"])):
        if not d < n_classes - 1 or d == main_d:
            continue
        dec = _decide(sweep[sweep["d"] == d], "wpce_gauss", "clip", "zeroshot", "gain", m)
        out.append((f"wpce_gauss-clip/zeroshot/d={d}", f"WPCE Gaussian − CLIP zero-shot d={d}", dec))
    return out


def _kind(v: str) -> str:
    return VARIANTS[v].label.split(" σ")[0].split(" c=")[0].replace("WPCE ", "")


def judge_wpce_vs_clip(table: pd.DataFrame, settings: Settings, sweep: pd.DataFrame | None = None,
                       n_classes: int = 40) -> Outcome:
    """02-2: the gains WPCE (Gaussian, IMQ) − CLIP on zero-shot and the probe after projection at d = embed_dim,
    plus WPCE Gaussian − CLIP zero-shot at every swept d < n_classes − 1 (``sweep``: long table variant, d, seed,
    zeroshot, e.g. :func:`~.pipeline.sweep_table`), combined by :func:`~xmodal.claims.combine_gains`. Context, not
    judged: the probe before projection and the nested control ``wpce_pooled`` (WPCE M = 1, α₂ = 0) − CLIP."""
    m = REGISTRY["02-2"].rule.m("gain")
    metrics = ("zeroshot", "probe_after")
    comps = _comparisons(table, [(v, "clip", met) for v in ("wpce_gauss", "wpce_imq") for met in metrics], "gain", m)
    sw = _sweep_comparisons(sweep, n_classes, m, settings.embed_dim)
    j = combine_gains([dec for _, _, dec in comps + sw], judged=True)
    by = {k: dec for k, _, dec in comps}
    ours = "WPCE − CLIP, pts (paper: > 0): " + "; ".join(
        f"{_SHORT[met]} " + " / ".join(f"{_kind(v)} {_pt(by[f'{v}-clip/{met}'])}" for v in ("wpce_gauss", "wpce_imq"))
        for met in metrics)
    if sw:
        ours += "; zero-shot Gaussian by d: " + ", ".join(f"d={k.split('d=')[1]} {_pt(dec)}" for k, _, dec in sw)
    ours += (f" (our CLIP {100 * per_seed(table, 'clip', 'zeroshot').mean():.1f} zero-shot / "
             f"{100 * per_seed(table, 'clip', 'probe_after').mean():.1f} probe %, a 40-way task: not comparable with "
             "the paper's ImageNet levels)")
    context = []
    present = set(table["variant"])
    if "wpce_pooled" in present:
        context += _comparisons(table, [("wpce_pooled", "clip", met) for met in metrics], "gain", m)
    for v in ("wpce_gauss", "wpce_imq"):
        if v in present and table.loc[table.variant == v, "probe_before"].notna().all():
            context += _comparisons(table, [(v, "clip", "probe_before")], "gain", m)
    ev = "paired difference [95 % CI]: " + _fmt(comps + sw)
    if context:
        ev += "; context, not judged: " + _fmt(context)
    return REGISTRY.judge("02-2", j, ours, ev, _numbers(comps + sw + context))


def judge_signed_weights(table: pd.DataFrame, settings: Settings) -> Outcome:
    """02-3: the gains signed (wpce_gauss) − positive weights initialised at w ≈ 1 (wpce_positive_w1) on zero-shot
    and the probe after projection, combined by :func:`~xmodal.claims.combine_gains`; the paper-init positive run
    (wpce_positive), if present, is context."""
    m = REGISTRY["02-3"].rule.m("gain")
    metrics = ("zeroshot", "probe_after")
    comps = _comparisons(table, [("wpce_gauss", "wpce_positive_w1", met) for met in metrics], "gain", m)
    j = combine_gains([dec for _, _, dec in comps], judged=True)
    ours = "signed − positive (w≈1 init), pts (paper: > 0): " + ", ".join(
        f"{_SHORT[met]} {_pt(dec)}" for met, (_, _, dec) in zip(metrics, comps))
    context = []
    if "wpce_positive" in set(table["variant"]):
        context = _comparisons(table, [("wpce_gauss", "wpce_positive", met) for met in metrics], "gain", m)
        ours += "; signed − positive (paper init, context): " + ", ".join(
            f"{_SHORT[met]} {_pt(dec)}" for met, (_, _, dec) in zip(metrics, context))
    ev = "paired difference [95 % CI]: " + _fmt(comps)
    if context:
        ev += "; context, not judged (paper init): " + _fmt(context)
    return REGISTRY.judge("02-3", j, ours, ev, _numbers(comps + context))


def judge_nonlinear_kernel(table: pd.DataFrame, settings: Settings) -> Outcome:
    """02-4: full WPCE (Gaussian) vs linear-only (α₂ = 0). Parts: (i) the gain of full over linear-only on the
    probe after projection; (ii) zero-shot is close: the paired interval inside the registered band."""
    rule = REGISTRY["02-4"].rule
    (kp, lp, probe), = _comparisons(table, [("wpce_gauss", "wpce_linear", "probe_after")], "gain", rule.m("gain"))
    (kz, lz, zs), = _comparisons(table, [("wpce_gauss", "wpce_linear", "zeroshot")], "close", rule.m("close"))
    comps = [(kp, lp, probe), (kz, lz, zs)]
    j = judgement(rule_parts, probe_gain=probe, zeroshot_close=zs)
    ours = (f"full − linear-only, pts (paper: > 0 on the probe, ≈ 0 in zero-shot): probe after {_pt(probe)}, "
            f"zero-shot {_pt(zs)}")
    ev = (f"paired difference [95 % CI]: {_fmt(comps)} [parts: probe gain {mark(probe)}, zero-shot close "
          f"{mark(zs)}]")
    return REGISTRY.judge("02-4", j, ours, ev, _numbers(comps))


def judge_kernel_sensitivity(table: pd.DataFrame, settings: Settings) -> Outcome:
    """02-5: (i) kernel: Gaussian σ=0.5 vs IMQ c=0.5; (ii) scale: Gaussian σ=0.5 vs each other σ present (1.0,
    0.25); each on zero-shot and the probe after projection, as :func:`~xmodal.claims.close` decisions in the
    registered band. A part holds when some comparison is clearly not close (its interval outside the band), fails
    when every one is close (inside it), and is undecided otherwise (:func:`rule_sensitivity`)."""
    others = [v for v in ("wpce_gauss_s1", "wpce_gauss_s025") if v in set(table["variant"])]
    if not others:
        raise ValueError("claim 02-5 needs a second Gaussian scale (wpce_gauss_s1 or wpce_gauss_s025) in the table")
    m = REGISTRY["02-5"].rule.m("band")
    metrics = ("zeroshot", "probe_after")
    k_comps = _comparisons(table, [("wpce_gauss", "wpce_imq", met) for met in metrics], "close", m)
    s_comps = _comparisons(table, [("wpce_gauss", v, met) for v in others for met in metrics], "close", m)
    j = judgement(rule_sensitivity, **{f"kernel_{i}": dec for i, (_, _, dec) in enumerate(k_comps)},
                  **{f"scale_{i}": dec for i, (_, _, dec) in enumerate(s_comps)})

    def largest(comps):
        _, lab, dec = max(comps, key=lambda c: abs(c[2].interval.mean))
        return f"{lab.replace('WPCE ', '')} {_pt(dec)}"

    ours = (f"largest |difference|, pts (paper: results depend strongly on the kernel): kernel: {largest(k_comps)}; "
            f"scale: {largest(s_comps)}")

    def differs(comps):
        states = {dec.holds for _, _, dec in comps}
        return "✓" if False in states else "✗" if states == {True} else "undecided"

    def word(dec):  # a close decision read as a difference: fails → a clear difference
        need = f"; {dec.seeds_needed} seeds would decide" if dec.holds is None and dec.seeds_needed else ""
        return {False: "a clear difference", True: f"inside ±{100 * m:g} pts", None: "undecided"}[dec.holds] + need

    ev = ("paired difference [95 % CI]: "
          + "; ".join(f"{lab} {dec.interval.fmt(100)} pts ({word(dec)})" for _, lab, dec in k_comps + s_comps)
          + f" [parts: kernel differs {differs(k_comps)}, scale differs {differs(s_comps)}]")
    numbers = _numbers(k_comps + s_comps)
    numbers["kernel/max_abs_diff_pts"] = max(abs(100 * dec.interval.mean) for _, _, dec in k_comps)
    numbers["scale/max_abs_diff_pts"] = max(abs(100 * dec.interval.mean) for _, _, dec in s_comps)
    return REGISTRY.judge("02-5", j, ours, ev, numbers)


def judge_all(part_a: pd.DataFrame, settings_a: SyntheticSettings, table: pd.DataFrame,
              settings_b: Settings, sweep: pd.DataFrame | None = None, n_classes: int = 40) -> list[Outcome]:
    """Every claim's :class:`~xmodal.claims.Outcome`, in registry order (02-1..02-5)."""
    return [judge_rank_limit(part_a, settings_a), judge_wpce_vs_clip(table, settings_b, sweep, n_classes),
            judge_signed_weights(table, settings_b), judge_nonlinear_kernel(table, settings_b),
            judge_kernel_sensitivity(table, settings_b)]
