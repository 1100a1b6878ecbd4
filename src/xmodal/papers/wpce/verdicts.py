"""Measurements → verdicts of paper 02's claims (:data:`~.paper.REGISTRY`, rules fixed in :mod:`.paper`).

Every comparison of two methods is :func:`xmodal.claims.compare` on per-seed values paired by seed
(``better`` / ``worse`` / ``inconclusive``); claims made of several comparisons combine them with
:func:`xmodal.claims.combine_comparisons`, claims made of parts with :func:`xmodal.claims.combine_parts`. Each
:class:`~xmodal.claims.Outcome` carries the headline numbers its rule used (differences in accuracy
points, or Part A gaps in nats).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Outcome, combine_comparisons, combine_parts, compare, seed_interval
from .paper import REGISTRY
from .pipeline import per_seed
from .settings import VARIANTS, Settings, SyntheticSettings

__all__ = ["judge_rank_limit", "judge_wpce_vs_clip", "judge_signed_weights",
           "judge_nonlinear_kernel", "judge_kernel_sensitivity", "judge_all"]

_SHORT = {"zeroshot": "zero-shot", "probe_after": "probe after", "probe_before": "probe before"}
_HOLD, _FAIL, _NOISE = True, False, None  # a part holds, fails, or is within the noise (claims.combine_parts)


def _state(outcomes) -> str:
    """Part state from comparisons that must all be 'better'."""
    outcomes = list(outcomes)
    if all(o == "better" for o in outcomes):
        return _HOLD
    return _FAIL if "worse" in outcomes else _NOISE


def _cmp(table: pd.DataFrame, a: str, b: str, metric: str, margin: float):
    """(outcome, interval of the paired difference a − b) of ``metric`` over the seeds both have."""
    common = set(table.loc[table["variant"] == a, "seed"]) & set(table.loc[table["variant"] == b, "seed"])
    sub = table[table["seed"].isin(common)]
    out, iv = compare(per_seed(sub, a, metric), per_seed(sub, b, metric), margin)
    return out, iv


# ----------------------------------------------------------------------------------------------------


def _iv_numbers(key: str, values) -> dict:
    """``key`` (mean), ``key_lo`` / ``key_hi`` (95 % t-interval over seeds) of per-seed values."""
    iv = seed_interval(np.asarray(values, np.float64))
    return {key: float(iv.mean), f"{key}_lo": float(iv.lo), f"{key}_hi": float(iv.hi)}


def judge_rank_limit(part_a: pd.DataFrame, settings: SyntheticSettings) -> Outcome:
    """02-1 from Part A's runs (columns method, d, seed, gap): (i) for every swept d and seed, CLIP's gap exceeds
    the same seed's floor (method ``clip_floor``, CLIP at d = N) by more than ``gap_tol``, and CLIP's gap is smaller
    at the largest d than at the smallest (paired over seeds); (ii) WPCE's gap below CLIP's at every d (paired)."""
    need = {"method", "d", "seed", "gap"}
    if not need.issubset(part_a.columns) or not {"clip", "wpce", "clip_floor"}.issubset(set(part_a["method"])):
        raise ValueError("part_a needs columns method, d, seed, gap with rows for methods 'clip', 'wpce' and "
                         "'clip_floor' (the output of run_synthetic_seeds)")
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
    above = all(bool((excess[d] > settings.gap_tol).all()) for d in ds)
    shrink, shrink_iv = compare(c[ds[0]], c[ds[-1]]) if len(ds) > 1 else ("inconclusive", None)
    closer = {d: compare(c[d], w[d]) for d in ds}
    part1 = _FAIL if not above else _state([shrink])
    part2 = _state([o for o, _ in closer.values()])
    verdict = combine_parts([part1, part2])
    ours = ("gap (nats) CLIP / WPCE: " + ", ".join(f"d={d}: {c[d].mean():.3f} / {w[d].mean():.3f}" for d in ds)
            + f"; CLIP floor (d={int(part_a.loc[part_a.method == 'clip_floor', 'd'].iloc[0])}): {fl.mean():.3f}")
    evidence = (f"CLIP gap − floor per seed (needs > {settings.gap_tol} for every seed): "
                + ", ".join(f"d={d} [{', '.join(f'{x:.3f}' for x in excess[d])}]" for d in ds)
                + f" → {above}; CLIP gap d={ds[0]} − d={ds[-1]}: "
                f"{shrink_iv.fmt(digits=3) if shrink_iv else '—'} ({shrink}); CLIP − WPCE gap: "
                + ", ".join(f"d={d} {iv.fmt(digits=3)} ({o})" for d, (o, iv) in closer.items())
                + f" [parts: rank limit {part1}, WPCE closer {part2}]")
    numbers = _iv_numbers("clip_floor_gap", fl)
    for d in ds:
        numbers.update(_iv_numbers(f"clip_gap/d={d}", c[d]))
        numbers.update(_iv_numbers(f"wpce_gap/d={d}", w[d]))
        numbers[f"clip_excess_min/d={d}"] = float(excess[d].min())
    return REGISTRY.judge("02-1", verdict, ours, evidence, numbers)


def _mean_pct(table, v, m) -> str:
    return f"{100 * per_seed(table, v, m).mean():.1f}"


def _comparisons(table: pd.DataFrame, pairs, margin: float):
    """[(key, label, outcome, interval)] for (a, b, metric) triples."""
    out = []
    for a, b, m in pairs:
        o, iv = _cmp(table, a, b, m, margin)
        out.append((f"{a}-{b}/{m}", f"{VARIANTS[a].label} − {VARIANTS[b].label} {_SHORT[m]}", o, iv))
    return out


def _fmt(comps) -> str:
    return "; ".join(f"{lab} {iv.fmt(100)} pts ({o})" for _, lab, o, iv in comps)


def _numbers(comps) -> dict:
    """Paired differences in points with their 95 % interval (``_lo`` / ``_hi``)."""
    out = {}
    for k, _, _, iv in comps:
        out[f"{k}/diff_pts"] = 100 * iv.mean
        out[f"{k}/diff_pts_lo"] = 100 * iv.lo
        out[f"{k}/diff_pts_hi"] = 100 * iv.hi
    return out


def _sweep_comparisons(sweep: pd.DataFrame, n_classes: int, margin: float, main_d: int):
    """[(key, label, outcome, interval)]: WPCE Gaussian − CLIP zero-shot at each swept d < n_classes − 1
    (d = ``main_d`` is already a main comparison and is not counted twice)."""
    out = []
    if sweep is None or not len(sweep):
        return out
    for d in sorted(set(sweep["d"])):
        if not d < n_classes - 1 or d == main_d:
            continue
        sub = sweep[sweep["d"] == d]
        o, iv = _cmp(sub, "wpce_gauss", "clip", "zeroshot", margin)
        out.append((f"wpce_gauss-clip/zeroshot/d={d}", f"WPCE Gaussian − CLIP zero-shot d={d}", o, iv))
    return out


def judge_wpce_vs_clip(table: pd.DataFrame, settings: Settings, sweep: pd.DataFrame | None = None,
                       n_classes: int = 40) -> Outcome:
    """02-2: WPCE (Gaussian, IMQ) − CLIP on zero-shot and the probe after projection at d = embed_dim, plus
    WPCE Gaussian − CLIP zero-shot at every swept d < n_classes − 1 (``sweep``: long table variant, d, seed,
    zeroshot, e.g. :func:`~.pipeline.sweep_table`). Context, not judged: the probe before projection and the
    nested control ``wpce_pooled`` (WPCE M = 1, α₂ = 0) − CLIP."""
    comps = _comparisons(table, [(v, "clip", m) for v in ("wpce_gauss", "wpce_imq")
                                 for m in ("zeroshot", "probe_after")], settings.margin_floor)
    sw = _sweep_comparisons(sweep, n_classes, settings.margin_floor, settings.embed_dim)
    verdict = combine_comparisons([o for _, _, o, _ in comps + sw])
    ours = "; ".join(f"{_SHORT[m]}: " + " / ".join(f"{VARIANTS[v].label.split(' σ')[0].split(' c=')[0]} "
                                                   f"{_mean_pct(table, v, m)}" for v in ("clip", "wpce_gauss", "wpce_imq"))
                     for m in ("zeroshot", "probe_after"))
    if sw:
        zs = sweep.groupby(["variant", "d"])["zeroshot"].mean()
        ours += "; zero-shot CLIP / WPCE Gaussian by d: " + ", ".join(
            f"d={d}: {100 * zs[('clip', d)]:.1f} / {100 * zs[('wpce_gauss', d)]:.1f}" for d in sorted(set(sweep["d"])))
    context = []
    present = set(table["variant"])
    if "wpce_pooled" in present:
        context += _comparisons(table, [("wpce_pooled", "clip", m) for m in ("zeroshot", "probe_after")],
                                settings.margin_floor)
    for v in ("wpce_gauss", "wpce_imq"):
        if v in present and table.loc[table.variant == v, "probe_before"].notna().all():
            context += _comparisons(table, [(v, "clip", "probe_before")], settings.margin_floor)
    ev = "paired difference [95 % CI]: " + _fmt(comps + sw)
    if context:
        ev += "; context, not judged: " + _fmt(context)
    return REGISTRY.judge("02-2", verdict, ours, ev, _numbers(comps + sw + context))


def judge_signed_weights(table: pd.DataFrame, settings: Settings) -> Outcome:
    """02-3: signed (wpce_gauss) − positive weights initialised at w ≈ 1 (wpce_positive_w1) on zero-shot and
    the probe after projection; the paper-init positive run (wpce_positive), if present, is context."""
    comps = _comparisons(table, [("wpce_gauss", "wpce_positive_w1", m) for m in ("zeroshot", "probe_after")],
                         settings.margin_floor)
    verdict = combine_comparisons([o for _, _, o, _ in comps])
    ours = "; ".join(f"{_SHORT[m]}: signed {_mean_pct(table, 'wpce_gauss', m)} / positive (w≈1 init) "
                     f"{_mean_pct(table, 'wpce_positive_w1', m)}" for m in ("zeroshot", "probe_after"))
    context = []
    if "wpce_positive" in set(table["variant"]):
        context = _comparisons(table, [("wpce_gauss", "wpce_positive", m) for m in ("zeroshot", "probe_after")],
                               settings.margin_floor)
        ours += "; positive (paper init): " + " / ".join(_mean_pct(table, "wpce_positive", m)
                                                         for m in ("zeroshot", "probe_after"))
    ev = "paired difference [95 % CI]: " + _fmt(comps)
    if context:
        ev += "; context, not judged (paper init): " + _fmt(context)
    return REGISTRY.judge("02-3", verdict, ours, ev, _numbers(comps + context))


def judge_nonlinear_kernel(table: pd.DataFrame, settings: Settings) -> Outcome:
    """02-4: full WPCE (Gaussian) vs linear-only (α₂ = 0). Parts: (i) full is better on the probe after
    projection; (ii) zero-shot is close: within the noise, or |mean difference| ≤ ``close_tol``."""
    comps = _comparisons(table, [("wpce_gauss", "wpce_linear", "probe_after"), ("wpce_gauss", "wpce_linear", "zeroshot")],
                         settings.margin_floor)
    (_, _, o_p, iv_p), (_, _, o_z, iv_z) = comps
    close = o_z == "inconclusive" or abs(iv_z.mean) <= settings.close_tol
    verdict = combine_parts([_state([o_p]), _HOLD if close else _FAIL])
    ours = "; ".join(f"{_SHORT[m]}: full {_mean_pct(table, 'wpce_gauss', m)} / linear {_mean_pct(table, 'wpce_linear', m)}"
                     for m in ("probe_after", "zeroshot"))
    ev = f"paired difference [95 % CI]: {_fmt(comps)}; zero-shot close: {close}"
    return REGISTRY.judge("02-4", verdict, ours, ev, _numbers(comps))


def judge_kernel_sensitivity(table: pd.DataFrame, settings: Settings) -> Outcome:
    """02-5: (i) kernel: Gaussian σ=0.5 vs IMQ c=0.5 differ on zero-shot or probe after; (ii) scale: Gaussian
    σ=0.5 vs another σ present (1.0, 0.25) differ likewise. A part with every comparison within noise is
    inconclusive."""
    others = [v for v in ("wpce_gauss_s1", "wpce_gauss_s025") if v in set(table["variant"])]
    if not others:
        raise ValueError("claim 02-5 needs a second Gaussian scale (wpce_gauss_s1 or wpce_gauss_s025) in the table")
    metrics = ("zeroshot", "probe_after")
    k_comps = _comparisons(table, [("wpce_gauss", "wpce_imq", m) for m in metrics], settings.margin_floor)
    s_comps = _comparisons(table, [("wpce_gauss", v, m) for v in others for m in metrics], settings.margin_floor)
    differs = lambda comps: _HOLD if any(o != "inconclusive" for _, _, o, _ in comps) else _NOISE
    verdict = combine_parts([differs(k_comps), differs(s_comps)])
    shown = ("wpce_gauss", "wpce_imq", *others)
    ours = "; ".join(f"{_SHORT[m]}: " + " / ".join(f"{VARIANTS[v].label.replace('WPCE ', '')} {_mean_pct(table, v, m)}"
                                                   for v in shown) for m in metrics)
    ev = f"paired difference [95 % CI]: {_fmt(k_comps + s_comps)}"
    return REGISTRY.judge("02-5", verdict, ours, ev, _numbers(k_comps + s_comps))


def judge_all(part_a: pd.DataFrame, settings_a: SyntheticSettings, table: pd.DataFrame,
              settings_b: Settings, sweep: pd.DataFrame | None = None, n_classes: int = 40) -> list[Outcome]:
    """Every claim's :class:`~xmodal.claims.Outcome`, in registry order (02-1..02-5)."""
    return [judge_rank_limit(part_a, settings_a), judge_wpce_vs_clip(table, settings_b, sweep, n_classes),
            judge_signed_weights(table, settings_b), judge_nonlinear_kernel(table, settings_b),
            judge_kernel_sensitivity(table, settings_b)]
