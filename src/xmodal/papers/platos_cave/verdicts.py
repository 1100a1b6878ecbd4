"""The verdict rules of claims 01-1 … 01-9: measurements in, :class:`xmodal.claims.Outcome` out.

``verdict_claim<k>`` applies the rule of claim ``01-k`` (registered in :data:`.paper.REGISTRY`; every smallest
effect and threshold is read from there, ``REGISTRY[cid].rule.m(name)``) to plain numbers / small frames, so each
rule can be tested on hand-made inputs; :func:`~.judging.judge` picks the inputs from a
:class:`~.experiments.Results`. Seed k = 3D encoders trained with seed k and evaluation split k.

Every part is a :class:`xmodal.claims.Decision` (a gain, a threshold or a band on a seed t-interval, or on a
bootstrap interval with ``seeds=False``): holds, fails, or undecided with the seeds that would decide it. A rule
combines its parts with :func:`xmodal.claims.judgement`, so a claim is ``inconclusive`` only when its undecided
parts could change the verdict; a claim judged under several protocols combines their judgements with
:func:`xmodal.claims.combine_protocols` (each undecided protocol as the verdicts its own parts admit; a protocol at
chance, :func:`informative`, is left out, no veto).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...claims import (Decision, Judgement, Outcome, above, below, combine_gains, combine_parts, decide, gain,
                       judgement, mark, won_shares)
from ...evaluation import bootstrap_interval, seed_interval
from .experiments import pearson_r
from .paper import REGISTRY
from .pipeline import FULL, METHOD_LABELS, SUB, TEXT_LABELS, THREED_LABELS
from .rules import (_METRICS, _by_protocol, _combine, _m, _parts_verdict, _prefix, chance_from_runs, informative,
                    informative_metrics)
from .verdicts_sweeps import best_set, crossing_interval, plateau_statistic, verdict_claim5, verdict_claim6

__all__ = ["verdict_claim1", "verdict_claim2", "verdict_claim3", "verdict_claim4", "verdict_claim5",
           "verdict_claim6", "verdict_claim7", "verdict_claim8", "verdict_claim9", "informative", "informative_metrics", "chance_from_runs",
           "plateau_statistic", "best_set", "crossing_interval"]


# ------------------------------------------------------------------------------------------------
# 01-1, 01-2: CKA
# ------------------------------------------------------------------------------------------------
def verdict_claim1(cka_3d_text, chance_mean, chance_std, dcka_3d_text, dcka_image_text: float,
                   paper_pairs: dict | None = None, image_text: tuple | None = None) -> Outcome:
    """Claim 01-1: unaligned 3D–text CKA is low, well below image–text CKA, and above chance.

    cka_3d_text: (m, S) biased linear CKA of the m uni-modal 3D × text pairs per seed (or (m,): one seed);
    chance_mean, chance_std: (m,) its shuffled-pairs chance level (mean over seeds); dcka_3d_text: (m, S)
    debiased linear CKA of the same pairs; dcka_image_text: debiased linear CKA of the image–text reference.
    For "ours" in the paper's terms: paper_pairs {label: ((S,) linear CKA, chance)} of the pairs the paper quotes
    (its 0.12 and 0.04), image_text (linear CKA, chance) of the image–text reference (its 0.30–0.48).
    """
    z, wb = _m("01-1", "chance_z"), _m("01-1", "well_below")
    c = np.asarray(cka_3d_text, float).reshape(len(chance_mean), -1)
    dc = np.asarray(dcka_3d_text, float).reshape(len(chance_mean), -1)
    floor = np.asarray(chance_mean, float) + z * np.asarray(chance_std, float)
    ab = [above(c[k], floor[k]) for k in range(len(c))]
    img = max(float(dcka_image_text), 1e-12)
    top = dc.max(0)  # (S,) max over pairs per seed
    well, low = below(top / img, wb), below(top, float(dcka_image_text))

    def rule(well, low, **a):
        a = list(a.values())
        return "reproduced" if all(a) and well else "partly reproduced" if any(a) and low else "not reproduced"

    J = judgement(rule, well=well, low=low, **{f"a{k}": a for k, a in enumerate(ab)})
    n_above = sum(a.holds is True for a in ab)
    n_at = sum(a.holds is False for a in ab)
    ratio = float(top.mean() / img)
    ev = (f"{n_above}/{len(ab)} uni-modal 3D–text pairs above chance + {z:g} chance std ({n_at} at chance, "
          f"{len(ab) - n_above - n_at} undecided; seed intervals); largest debiased 3D–text CKA "
          f"{low.interval.fmt(1, 3)} vs image–text {dcka_image_text:.3f} "
          f"(below: {low.word}); ratio {well.interval.fmt(1, 3)} (well below {wb:g}: {well.word})")
    nums = {"n_above_chance": n_above, "n_pairs": len(ab), "max_debiased_3d_text": float(top.mean()),
            "debiased_image_text": float(dcka_image_text), "ratio": ratio}
    if len(top) > 1:
        nums |= {"max_debiased_3d_text_lo": low.interval.lo, "max_debiased_3d_text_hi": low.interval.hi,
                 "ratio_lo": well.interval.lo, "ratio_hi": well.interval.hi}
    if paper_pairs:
        ours = "unaligned linear CKA " + ", ".join(f"{np.mean(v):.2f} ({lab}; chance {ch:.2f})"
                                                   for lab, (v, ch) in paper_pairs.items())
        if image_text is not None:
            ours += f"; image–text {image_text[0]:.2f} (chance {image_text[1]:.2f})"
    else:
        ours = (f"not comparable: the paper's pairs were not given; largest debiased 3D–text CKA {top.mean():.3f} "
                f"vs image–text {dcka_image_text:.3f}")
    return REGISTRY.judge("01-1", J, ours, ev, nums)


def verdict_claim2(mm3d, uni3d, text_tower_available: bool = False, plateau_note: str = "") -> Outcome:
    """Claim 01-2: a multi-modal 3D encoder has higher CKA with text than a uni-modal one (part a); part b (a
    multi-modally trained text encoder is more 3D-compatible) is not testable without a real vision–language
    text tower.

    mm3d, uni3d: (k, S) debiased CKA with text of the multi-modal / uni-modal 3D encoder of the same backbone
    and the same text encoder (k comparisons), per seed (paired by seed). Part a: each comparison a gain of at
    least the registered CKA margin, combined like :func:`xmodal.claims.combine_gains`; the claim is (a)'s verdict
    with "reproduced" capped at "partly reproduced" ((b) untested).
    """
    m = _m("01-2", "cka_margin")
    a, b = np.atleast_2d(np.asarray(mm3d, float)), np.atleast_2d(np.asarray(uni3d, float))
    if text_tower_available:
        raise NotImplementedError("a real vision–language text tower is available: judge part b with it")
    gains = [gain(x, y, m) for x, y in zip(a, b)]

    def part_a(**c):  # combine_gains' rule, so that settle runs on the capped verdict
        nh = sum(c.values())
        nf = len(c) - nh
        return "reproduced" if nf == 0 else "partly reproduced" if nh > nf else "not reproduced"

    Ja = combine_gains(gains, judged=True)  # part (a) alone; the claim caps it at partly (rule part_a, the same)
    J = judgement(lambda **c: {"reproduced": "partly reproduced"}.get(part_a(**c), part_a(**c)),
                  **{f"c{i}": g for i, g in enumerate(gains)})
    diff = a - b
    iv = seed_interval(diff.mean(0))
    nh, nf = sum(g.holds is True for g in gains), sum(g.holds is False for g in gains)
    ev = (f"(a) multi-modal 3D beats uni-modal 3D (same backbone, same text; debiased CKA, by at least {m:g}, paired "
          f"over seeds): holds in {nh}, fails in {nf}, undecided in {len(gains) - nh - nf} of {len(gains)} "
          f"comparisons → (a) {Ja.verdict}; mean gain {iv.fmt(1, 3)}; (b) not testable: no vision–language text "
          f"tower (CLIP weights) offline — MiniLM + a projection trained on renders of the same world cannot stand "
          f"in. " + plateau_note)
    nums = won_shares(gains, "frac_3d") | {"mean_gain_3d": float(diff.mean())}
    if a.shape[1] > 1:
        nums |= {"mean_gain_3d_lo": iv.lo, "mean_gain_3d_hi": iv.hi}
    ours = (f"(a) multi-modal − uni-modal 3D, debiased CKA with text: {iv.mean:+.3f} [{iv.lo:+.3f}, {iv.hi:+.3f}] "
            f"(mean of {len(gains)} "
            f"comparisons; a gain of {m:g} holds in {nh}/{len(gains)}); (b) not testable")
    return REGISTRY.judge("01-2", J, ours, ev, nums)


# ------------------------------------------------------------------------------------------------
# 01-3, 01-4: Table 1
# ------------------------------------------------------------------------------------------------
def _best(df: pd.DataFrame, methods, metric: str) -> pd.Series:
    """Per (x, y) pair, the best mean accuracy among ``methods``."""
    return df[df.method.isin(methods)].groupby(["x", "y"])[metric].max()


def _none(df: pd.DataFrame, metric: str) -> pd.Series:
    return df[df.method == "none"].set_index(["x", "y"])[metric]


def _by_seed(runs: pd.DataFrame):
    """[(seed, rows of that seed)] (one entry 'mean' when the frame has no seed column)."""
    if "seed" not in runs:
        return [(None, runs)]
    return list(runs.groupby("seed", sort=True))


def _best_cells(r: pd.DataFrame, metrics) -> dict:
    """{metric: (label, (S,) per-seed accuracy)} of the (pair, method) cell with the highest mean."""
    out = {}
    for met in metrics:
        key = r.groupby(["x", "y", "method"])[met].mean().idxmax()
        cell = r[(r.x == key[0]) & (r.y == key[1]) & (r.method == key[2])]
        cell = cell.sort_values("seed") if "seed" in cell else cell
        out[met] = (f"{METHOD_LABELS.get(key[2], key[2])}, {_label(key[:2])}", cell[met].to_numpy(float))
    return out


def _left_out(metrics, keep) -> str:
    """The evidence's note on the metrics a protocol leaves out (at chance there)."""
    out = [m for m in metrics if keep and m not in keep]
    return f"; left out, within chance + the margin here: {', '.join(out)}" if out else ""


def _protocol_chance(chance, runs):
    return chance if chance is not None else (chance_from_runs(runs) or {})


def _claim3_protocol(runs: pd.DataFrame, metrics, k: float, md: float):
    parts, txt, nums = {}, [], {}
    for i, met in enumerate(metrics):
        gf, gs = [], []
        for _, r in _by_seed(runs):
            n0 = _none(r, met)
            gf.append(float((_best(r, FULL, met) - n0).mean()))
            gs.append(float((_best(r, SUB, met) - n0).mean()))
        gf, gs = np.array(gf), np.array(gs)
        parts[f"s{i}"], parts[f"g{i}"] = below(gf - k * gs, 0.0), above(gs, md)
        s, g = parts[f"s{i}"], parts[f"g{i}"]
        txt.append(f"{met}: full-space gain {100 * gf.mean():+.1f} pts vs subspace {100 * gs.mean():+.1f} pts "
                   f"(full − {k:g} x subspace {s.interval.fmt(100)} pts: small {s.word}; subspace gain > {100 * md:g} "
                   f"pt: {g.word})")
        nums |= {f"gain_full_{met}": gf.mean(), f"gain_sub_{met}": gs.mean()}
        if len(gf) > 1:
            g1, g2 = seed_interval(gf), seed_interval(gs)
            nums |= {f"gain_full_{met}_lo": g1.lo, f"gain_full_{met}_hi": g1.hi,
                     f"gain_sub_{met}_lo": g2.lo, f"gain_sub_{met}_hi": g2.hi}
    n = len(metrics)
    J = judgement(lambda **p: _parts_verdict([p[f"s{i}"] and p[f"g{i}"] for i in range(n)]), **parts)
    return J, "; ".join(txt), nums


def verdict_claim3(runs: pd.DataFrame, metrics=_METRICS, chance: dict | None = None) -> Outcome:
    """Claim 01-3: affine / local CKA in the full space give only small gains over no alignment.

    runs: per-seed accuracies (columns [protocol,] x, y, method, seed, <metrics>) of the uni-modal 3D pairs
    (a frame without ``seed`` is one seed). Per protocol, seed and metric, averaged over pairs: gain_full =
    best(affine, local CKA) − none, gain_sub = best(subspace methods) − none. chance: {protocol: {metric:
    chance level}} for the informative test (default: :func:`chance_from_runs`, None when the frame lacks its
    columns: every protocol informative).
    """
    k, md, cm = _m("01-3", "small_gain"), _m("01-3", "min_diff"), _m("01-3", "chance_margin")
    ch = _protocol_chance(chance, runs)
    per, nums = {}, {}
    for p, r in _by_protocol(runs):
        keep, itxt, inum = informative_metrics(_best_cells(r, metrics), ch.get(p), cm)
        ok = bool(keep)
        J, ev, n = _claim3_protocol(r, keep or list(metrics), k, md)
        ev += _left_out(metrics, keep)
        per[p] = (J, ev, ok, itxt)
        nums |= {f"{_prefix(p)}{a}": b for a, b in (n | inum).items()} | {f"{_prefix(p)}informative": float(ok)}
    J, ev = _combine(per, "01-3")
    first = "standard" if "standard" in per else next(iter(per))
    pre = _prefix(first)
    gf, gs = nums[f"{pre}gain_full_matching"], nums[f"{pre}gain_sub_matching"]
    share = f" = {100 * gf / gs:.0f} % of" if gs > 0 else " vs"
    ours = (f"full-space gain over no alignment {100 * gf:+.1f} pts{share} the subspace's {100 * gs:+.1f} pts "
            f"(matching, {first} protocol, mean over uni-modal pairs)")
    return REGISTRY.judge("01-3", J, ours, ev + f" (small: full − {k:g} x subspace gain below 0)", nums)


def _ratio_rows(r: pd.DataFrame, met: str):
    bs, bf = _best(r, SUB, met), _best(r, FULL, met)
    return float(bs.mean() / max(bf.mean(), 1e-12)), bs / bf.clip(lower=1e-12)


def _label(pair) -> str:
    return f"{THREED_LABELS.get(pair[0], pair[0])} / {TEXT_LABELS.get(pair[1], pair[1])}"


def verdict_claim4(runs: pd.DataFrame, metrics=_METRICS, chance: dict | None = None) -> Outcome:
    """Claim 01-4: the CCA subspace + affine / local CKA improves matching and retrieval a lot (up to ~4x).

    runs: per-seed accuracies of the uni-modal 3D pairs (as :func:`verdict_claim3`; chance likewise). Per
    protocol, seed and metric the ratio of means over pairs, mean(best subspace) / mean(best full-space). Ours,
    like the paper's "up to": the largest per-pair ratio (standard protocol) with its pair, and the mean ratio
    without the GloVe pairs (d = 50 is GloVe's full dimension).
    """
    L, S, cm = _m("01-4", "large_ratio"), _m("01-4", "some_ratio"), _m("01-4", "chance_margin")
    ch = _protocol_chance(chance, runs)
    per, nums, tops = {}, {}, {}
    for p, r in _by_protocol(runs):
        parts, txt, pre = {}, [], _prefix(p)
        keep, itxt, inum = informative_metrics(_best_cells(r, metrics), ch.get(p), cm)
        ok, use = bool(keep), keep or list(metrics)
        for i, met in enumerate(use):
            ratios = np.array([_ratio_rows(rs, met)[0] for _, rs in _by_seed(r)])
            pairs = _ratio_rows(r.groupby(["x", "y", "method"], as_index=False)[list(metrics)].mean(), met)[1]
            top = pairs.idxmax()
            tops.setdefault(p, []).append((float(pairs.max()), met, top))
            parts[f"l{i}"], parts[f"s{i}"] = above(ratios, L), above(ratios, S)
            iv = parts[f"l{i}"].interval
            note = " — GloVe's full dimension is 50 = d" if top[1] == "glove" else ""
            txt.append(f"{met}: mean ratio {iv.fmt(1, 2)}x (above {L:g}: {parts[f'l{i}'].word}; above {S:g}: "
                       f"{parts[f's{i}'].word}); up to {pairs.max():.1f}x for {_label(top)}{note}")
            nums |= {f"{pre}ratio_{met}": float(ratios.mean()), f"{pre}max_ratio_{met}": float(pairs.max())}
            ng = r[r.y != "glove"] if (r.y != "glove").any() else r
            ng_ratios = np.array([_ratio_rows(rs, met)[0] for _, rs in _by_seed(ng)])
            nums[f"{pre}ratio_{met}_no_glove"] = float(ng_ratios.mean())
            if len(ratios) > 1:
                ig = seed_interval(ng_ratios)
                nums |= {f"{pre}ratio_{met}_lo": iv.lo, f"{pre}ratio_{met}_hi": iv.hi,
                         f"{pre}ratio_{met}_no_glove_lo": ig.lo, f"{pre}ratio_{met}_no_glove_hi": ig.hi}
                # the largest pair's ratio seed by seed (a max over pairs has no interval of its own), widened to
                # contain the headline (the max of the mean ratios)
                top_seed = np.array([_ratio_rows(rs, met)[1].get(top, np.nan) for _, rs in _by_seed(r)], float)
                if np.isfinite(top_seed).all():
                    it = seed_interval(top_seed)
                    nums |= {f"{pre}max_ratio_{met}_lo": min(it.lo, float(pairs.max())),
                             f"{pre}max_ratio_{met}_hi": max(it.hi, float(pairs.max()))}
        n = len(use)
        J = judgement(lambda **q: "reproduced" if all(q[f"l{i}"] for i in range(n)) else
                      "partly reproduced" if any(q[f"s{i}"] for i in range(n)) else "not reproduced", **parts)
        per[p] = (J, "; ".join(txt) + _left_out(metrics, keep), ok, itxt)
        nums |= {f"{pre}{a}": b for a, b in inum.items()} | {f"{pre}informative": float(ok)}
    J, ev = _combine(per, "01-4")
    first = "standard" if "standard" in per else next(iter(per))
    mx, met, top = max(tops[first])
    nums["max_ratio"] = max(nums.get(f"max_ratio_{m}", 0.0) for m in metrics)
    glove = " — GloVe's full dimension is 50 = d, so that 'subspace' is no reduction" if top[1] == "glove" else ""
    pre = _prefix(first)
    ours = (f"up to {mx:.1f}x ({_label(top)}, {met}{glove}); mean {nums[f'{pre}ratio_matching_no_glove']:.2f}x "
            f"without GloVe (matching" + (f"; top-5 {nums[f'{pre}ratio_top5_no_glove']:.2f}x"
                                           if f"{pre}ratio_top5_no_glove" in nums else "") + f"), {first} protocol")
    return REGISTRY.judge("01-4", J, ours, ev + f" ('a lot' = the ratio's interval above {L:g}x)", nums)


# ------------------------------------------------------------------------------------------------
# 01-7, 01-8, 01-9
# ------------------------------------------------------------------------------------------------
def _majority_part(decisions: list, share: float, pooled) -> tuple[Decision, Judgement]:
    """A part that holds when its gain holds in at least ``share`` of the pairs (a Judgement over the pairs'
    Decisions: it fails when the pairs that fail leave fewer than that possible, else undecided), as one
    Decision for the claim's combination (interval: the seed interval of the pooled difference ``pooled``)."""
    need = math.ceil(share * len(decisions) - 1e-9)
    J = judgement(lambda **p: "reproduced" if sum(p.values()) >= need else "not reproduced",
                  **{f"p{i}": d for i, d in enumerate(decisions)})
    holds = {"reproduced": True, "not reproduced": False}.get(J.verdict)
    direction = {"reproduced": "for", "not reproduced": "against"}.get(J.lean, "tie")
    iv = seed_interval(pooled)
    return Decision(holds, iv, "gain", decisions[0].m, direction, J.seeds_needed, J.why), J


def verdict_claim7(runs: pd.DataFrame, kernels=("linear", "rbf")) -> Outcome:
    """Claim 01-7: affine is better for matching; local CKA is better for top-5 retrieval (in the subspace).

    runs: per-seed accuracies (x, y, method, seed, matching, top5) of all pairs, standard protocol. Per kernel
    (local CKA method ``subspace_local_cka`` / ``subspace_local_cka_rbf``) and pair: the gain of affine over
    local CKA on matching and of local CKA over affine on top-5, paired over seeds, by at least the registered
    smallest effect; each part holds in a two-thirds majority of the pairs (:func:`_majority_part`).
    """
    md, maj = _m("01-7", "min_diff"), _m("01-7", "majority")
    meth = {"linear": "subspace_local_cka", "rbf": "subspace_local_cka_rbf"}
    parts, txt, nums, counts = [], [], {}, {}
    for ker in kernels:
        for met, win, lose in (("matching", "subspace_affine", meth[ker]), ("top5", meth[ker], "subspace_affine")):
            outs, pooled = [], []
            for (x, y), g in runs[runs.method.isin([win, lose])].groupby(["x", "y"], sort=False):
                p = g.pivot_table(index="seed", columns="method", values=met, aggfunc="first").sort_index()
                outs.append(gain(p[win].to_numpy(), p[lose].to_numpy(), md))
                pooled.append((p[win] - p[lose]).to_numpy())
            part, _ = _majority_part(outs, maj, np.mean(pooled, 0))
            parts.append(part)
            n = len(outs)
            nh, nf = sum(o.holds is True for o in outs), sum(o.holds is False for o in outs)
            counts[(ker, met)] = (nh, n)
            who = (f"affine beats local CKA ({ker}) on matching" if met == "matching" else
                   f"local CKA ({ker}) beats affine on top-5")
            txt.append(f"{who}: holds in {nh}/{n} pairs, fails in {nf}, undecided in {n - nh - nf} "
                       f"(mean difference {part.interval.fmt(100)} pts) → part {part.word}")
            nums |= won_shares(outs, f"frac_{ker}_{met}")
    J = combine_parts(parts, judged=True)
    ev = "; ".join(txt) + f" (a part needs the gain of {100 * md:g} pt in at least two thirds ({maj:.2f}) of the pairs)"
    ours = "; ".join(
        f"{'affine ahead on matching' if met == 'matching' else 'local CKA ahead on top-5'} by {100 * md:g} pt in "
        + " · ".join(f"{counts[(k, met)][0]}/{counts[(k, met)][1]} pairs ({k})" for k in kernels)
        for met in _METRICS)
    return REGISTRY.judge("01-7", J, ours, ev, nums)


def verdict_claim8(pointnet, pointbert, plateau_note: str = "") -> Outcome:
    """Claim 01-8: encoder complexity matters little — PointNet is close to the transformer (PointBERT).

    pointnet, pointbert: (m, S) matched accuracies of the two uni-modal encoders (same text encoder, method
    and metric) per seed (or (m,): one seed). Relative gap per seed = mean over cells |a − b| / max(a, b).
    """
    cr, pr = _m("01-8", "close_rel"), _m("01-8", "partly_rel")
    a = np.asarray(pointnet, float).reshape(len(pointnet), -1)
    b = np.asarray(pointbert, float).reshape(len(pointbert), -1)
    rel = np.mean(np.abs(a - b) / np.maximum(np.maximum(a, b), 1e-12), axis=0)  # (S,)
    close, near = below(rel, cr), below(rel, pr)
    J = judgement(lambda close, near: "reproduced" if close else "partly reproduced" if near else "not reproduced",
                  close=close, near=near)
    gtxt = close.interval.fmt(100, 0) + " %"
    ev = (f"mean relative gap PointNet vs PointBERT {gtxt} over {len(a)} (text encoder, metric) cells (seed "
          f"interval; close below {100 * cr:g} %: {close.word}; near below {100 * pr:g} %: {near.word}); PointNet mean "
          f"{100 * a.mean():.1f} %, PointBERT mean {100 * b.mean():.1f} %. " + plateau_note)
    nums = {"rel_gap": float(rel.mean()), "pointnet_mean": float(a.mean()), "pointbert_mean": float(b.mean())}
    if len(rel) > 1:
        nums |= {"rel_gap_lo": close.interval.lo, "rel_gap_hi": close.interval.hi}
    ours = (f"PointNet within {100 * rel.mean():.0f} % of PointBERT (mean relative gap {gtxt}); mean accuracy "
            f"{100 * a.mean():.1f} % vs {100 * b.mean():.1f} %")
    return REGISTRY.judge("01-8", J, ours, ev, nums)


def verdict_claim9(raw, after, chamfer, nn_same, nn_chamfer, n_boot: int = 1000, seed: int = 0) -> Outcome:
    """Claim 01-9: geometry vs semantics.

    raw: (n,) caption cosine distance of n uniform test-shape pairs in the raw text space; after: (n, S) the
    same in the CCA subspace of each seed; chamfer: (n,) their Chamfer distances. nn_same, nn_chamfer: dicts
    {"raw 3D": (m, S), "subspace": (m, S)} of the nearest neighbour of m test queries per seed (same-category
    0/1, Chamfer distance). r_after = mean over seeds of Pearson r; intervals: percentile bootstrap over pairs
    (resp. queries), paired across seeds and spaces; each check a Decision with ``seeds=False``.
    """
    rz, rg, sg, gr = (_m("01-9", k) for k in ("r_zero", "r_gain", "sem_gain", "geo_rel"))
    raw, ch = np.asarray(raw, float), np.asarray(chamfer, float)
    aft = np.asarray(after, float).reshape(len(raw), -1)
    r_after_f = lambda ix: float(np.mean([pearson_r(aft[ix, s], ch[ix]) for s in range(aft.shape[1])]))
    ib = bootstrap_interval(lambda ix: pearson_r(raw[ix], ch[ix]), (np.arange(len(raw)),), n_resamples=n_boot, seed=seed)
    idf = bootstrap_interval(lambda ix: r_after_f(ix) - pearson_r(raw[ix], ch[ix]), (np.arange(len(raw)),),
                             n_resamples=n_boot, seed=seed)
    r_before, r_after = ib.mean, r_after_f(np.arange(len(raw)))
    sr, ss = (np.asarray(nn_same[k], float) for k in ("raw 3D", "subspace"))
    cr, cs = (np.asarray(nn_chamfer[k], float) for k in ("raw 3D", "subspace"))
    units = (np.arange(len(sr)),)
    isem = bootstrap_interval(lambda ix: float((ss[ix] - sr[ix]).mean()), units, n_resamples=n_boot, seed=seed)
    igeo = bootstrap_interval(lambda ix: float((cs[ix].mean() - cr[ix].mean()) / max(cr[ix].mean(), 1e-12)), units,
                              n_resamples=n_boot, seed=seed)
    pairs_why = "a bootstrap interval over the test-shape pairs: more test shapes would decide it"
    queries_why = "a bootstrap interval over the test queries: more test shapes would decide it"
    checks = {"r≈0 before": decide(ib, "close", rz, seeds=False, why=pairs_why),
              "r rises after": decide(idf, "gain", rg, seeds=False, why=pairs_why),
              "subspace NN more semantic": decide(isem, "gain", sg, seeds=False, why=queries_why),
              "raw NN more geometric": decide(igeo, "gain", gr, seeds=False, why=queries_why)}
    J = judgement(lambda **c: "reproduced" if sum(c.values()) == 4 else "partly reproduced" if sum(c.values()) >= 2
                  else "not reproduced", **{f"c{i}": x for i, x in enumerate(checks.values())})
    ev = (f"uniform pairs (n = {len(raw)}): Pearson r before {ib.fmt(1, 3)} (inside ±{rz:g}?), after {r_after:+.3f}, "
          f"after − before {idf.fmt(1, 3)} (above {rg:g}?); NN over {len(sr)} queries x {sr.shape[1]} seeds: "
          f"same-category raw {sr.mean():.1%} vs subspace {ss.mean():.1%} (difference {isem.fmt(100)} pts, above "
          f"{100 * sg:g}?); Chamfer raw {cr.mean():.4f} vs subspace {cs.mean():.4f} (relative difference "
          f"{igeo.fmt(100)} %, above {100 * gr:g} %?); checks: " + ", ".join(f"{n} {mark(d)}" for n, d in checks.items()))
    per_seed_after = np.array([pearson_r(aft[:, s], ch) for s in range(aft.shape[1])])
    nums = {"r_before": r_before, "r_before_lo": ib.lo, "r_before_hi": ib.hi, "r_after": r_after,
            "samecat_raw": float(sr.mean()), "samecat_sub": float(ss.mean()), "chamfer_raw": float(cr.mean()),
            "chamfer_sub": float(cs.mean()), "chamfer_rel_diff": igeo.mean, "chamfer_rel_diff_lo": igeo.lo,
            "chamfer_rel_diff_hi": igeo.hi}
    if aft.shape[1] > 1:
        si = seed_interval(per_seed_after)
        nums |= {"r_after_lo": si.lo, "r_after_hi": si.hi}
        for name, arr in (("samecat_sub", ss), ("samecat_raw", sr), ("chamfer_sub", cs), ("chamfer_raw", cr)):
            iv = seed_interval(arr.mean(0))
            nums |= {f"{name}_lo": iv.lo, f"{name}_hi": iv.hi}
    ours = (f"r {r_before:+.2f} → {r_after:+.2f}; nearest neighbour of the same category {sr.mean():.0%} raw → "
            f"{ss.mean():.0%} subspace; its Chamfer distance {cr.mean():.4f} raw → {cs.mean():.4f} subspace")
    return REGISTRY.judge("01-9", J, ours, ev, nums)
