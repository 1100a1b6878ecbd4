"""The verdict rules of claims 01-5 (the subspace dimension, Fig. 4) and 01-6 (the number of anchors, Fig. 5),
with the statistics they read (:func:`best_set`, :func:`crossing_interval`, :func:`plateau_statistic`); see
:mod:`.verdicts` for how a rule decides."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Outcome, above, below, combine_parts, decide, gain, judgement, mark
from ...evaluation import bootstrap_interval, seed_interval
from .paper import REGISTRY
from .rules import _combine, _m, _prefix, informative

__all__ = ["verdict_claim5", "verdict_claim6", "plateau_statistic", "best_set", "crossing_interval"]


def _spearman(a, b) -> float:
    ra = pd.Series(np.asarray(a, float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, float)).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def best_set(acc, margin: float) -> np.ndarray:
    """Indices of the grid points the best one does not beat: acc (G, S) per grid point and seed; the best is
    the highest mean; a point is in the set unless the best beats it by at least ``margin`` (a holding
    :func:`xmodal.claims.gain`, paired over seeds). A confidence set for the arg-max: with one seed it is the
    whole grid."""
    acc = np.asarray(acc, float)
    ib = int(np.argmax(acc.mean(1)))
    return np.array([j for j in range(len(acc)) if j == ib or gain(acc[ib], acc[j], margin).holds is not True])


def crossing_interval(grid, acc, frac: float, margin: float) -> tuple[int, int, int]:
    """When does a curve reach ``frac`` of its last value? grid (G,) sorted, acc (G, S) per point and seed.
    Returns (point, lo, hi): the first grid point whose mean reaches frac × the mean last value; the first
    point not below it by more than ``margin`` (seed interval of the per-seed difference); the first point above
    it by more than ``margin`` (the last point if none)."""
    acc = np.asarray(acc, float)
    d = acc - frac * acc[-1]
    m = d.mean(1)
    at = int(grid[int(np.argmax(m >= 0))]) if (m >= 0).any() else int(grid[-1])
    ivs = [seed_interval(d[j]) for j in range(len(grid))]
    lo = next((int(grid[j]) for j, iv in enumerate(ivs) if not iv.hi < -margin), int(grid[-1]))
    hi = next((int(grid[j]) for j, iv in enumerate(ivs) if iv.lo > margin), int(grid[-1]))
    return at, min(lo, at), max(hi, at)


def _claim5_one(d_grid, acc_d, k_grid, acc_k):
    md, rho_min = _m("01-5", "min_diff"), _m("01-5", "trend_rho")
    w_lo, w_hi = _m("01-5", "sweet_lo"), _m("01-5", "sweet_hi")
    d_grid, acc_d = np.asarray(d_grid, float), np.asarray(acc_d, float).reshape(len(d_grid), -1)
    k_grid, acc_ks = np.asarray(k_grid, float), np.asarray(acc_k, float).reshape(len(k_grid), -1)
    o, ok = np.argsort(d_grid), np.argsort(k_grid)
    d_grid, acc_d, k_grid, acc_ks = d_grid[o], acc_d[o], k_grid[ok], acc_ks[ok]
    acc_k, mean_d = acc_ks.mean(1), acc_d.mean(1)
    ib = int(np.argmax(mean_d))
    best_d = int(d_grid[ib])
    # A on the best d below the largest (the arg-max itself may be the largest by noise alone)
    js = int(np.argmax(mean_d[:-1]))
    A = gain(acc_d[js], acc_d[-1], md)
    # sweet: the best d inside the window beats every d outside it
    inside = np.flatnonzero((w_lo <= d_grid) & (d_grid <= w_hi))
    outside = np.flatnonzero(~((w_lo <= d_grid) & (d_grid <= w_hi)))
    if len(inside):
        iw = int(inside[np.argmax(mean_d[inside])])
        sweet = {f"w{j}": gain(acc_d[iw], acc_d[j], md) for j in outside}
    else:
        iw, sweet = None, {"w_none": False}
    rhos = np.array([_spearman(k_grid, acc_ks[:, j]) for j in range(acc_ks.shape[1])])
    B1, B2 = above(rhos, rho_min), gain(acc_ks[-1], acc_ks[0], md)

    def rule(A, B1, B2, **w):
        B = B1 and B2
        return "reproduced" if A and all(w.values()) and B else "partly reproduced" if A or B else "not reproduced"

    J = judgement(rule, A=A, B1=B1, B2=B2, **sweet)
    near = best_set(acc_d, md)
    lo_d, hi_d = int(d_grid[near].min()), int(d_grid[near].max())
    sw = (f"the best d in {w_lo:g}–{w_hi:g} (d = {int(d_grid[iw])}) vs each d outside: "
          + ", ".join(f"{int(d_grid[int(k[1:])])} {mark(g)}" for k, g in sweet.items()) if iw is not None
          else f"no d in {w_lo:g}–{w_hi:g}")
    rho = _spearman(k_grid, acc_k)
    ev = (f"best d = {best_d} ({100 * mean_d[ib]:.1f} %; not beaten by {100 * md:g} pt: d = {lo_d}–{hi_d}); A: best "
          f"smaller d = {int(d_grid[js])} ({100 * mean_d[js]:.1f} %) vs d = {int(d_grid[-1])} ({100 * mean_d[-1]:.1f} "
          f"%), paired difference {A.interval.fmt(100)} pts ({A.word}); sweet: {sw}; B: affine alone vs PCA dim, "
          f"Spearman {B1.interval.fmt(1, 2)} ({B1.word}), {100 * acc_k[0]:.1f} % → {100 * acc_k[-1]:.1f} % "
          f"({B2.interval.fmt(100)} pts, {B2.word})")
    nums = {"best_d": best_d, "best_d_lo": lo_d, "best_d_hi": hi_d, "acc_best_d": float(mean_d[ib]),
            "acc_largest_d": float(mean_d[-1]), "diff_lo": A.interval.lo, "diff_hi": A.interval.hi,
            "spearman_k": rho, "acc_k_first": float(acc_k[0]), "acc_k_last": float(acc_k[-1])}
    if acc_d.shape[1] > 1:
        sb = seed_interval(acc_d[ib])
        nums |= {"acc_best_d_lo": sb.lo, "acc_best_d_hi": sb.hi}
    if acc_ks.shape[1] > 1:  # the rank correlation seed by seed (the headline is that of the mean curve)
        nums |= {"spearman_k_lo": min(B1.interval.lo, rho), "spearman_k_hi": max(B1.interval.hi, rho)}
    # the best method of this protocol (the informative test): the highest mean point of either curve
    best = ((f"subspace + affine d = {best_d}", acc_d[ib]) if mean_d[ib] >= acc_k.max() else
            (f"affine k = {int(k_grid[int(np.argmax(acc_k))])}", acc_ks[int(np.argmax(acc_k))]))
    return J, ev, nums, best


def verdict_claim5(d_grid, acc_d, k_grid, acc_k, chance: dict | None = None) -> Outcome:
    """Claim 01-5: with the subspace, smaller d is better (sweet spot near 50); affine alone improves with d.

    One protocol: d_grid (G,), acc_d (G, S) subspace + affine matching per d and seed; k_grid (H,), acc_k
    (H, S) (or (H,): one seed) affine-alone matching per PCA dimension. Several protocols: dicts {protocol:
    array} for each of the four arguments. chance: {protocol: matching chance level} (or {protocol: {"matching":
    level}}) for the informative test; None: every protocol informative.
    """
    if not isinstance(d_grid, dict):
        d_grid, acc_d, k_grid, acc_k = ({"standard": x} for x in (d_grid, acc_d, k_grid, acc_k))
    cm = _m("01-5", "chance_margin")
    per, nums = {}, {}
    for p in d_grid:
        J, ev, n, best = _claim5_one(d_grid[p], acc_d[p], k_grid[p], acc_k[p])
        c = (chance or {}).get(p)
        c = {"matching": c} if isinstance(c, (int, float, np.floating)) else c
        ok, itxt, inum = informative({"matching": best}, c, cm)
        per[p] = (J, ev, ok, itxt)
        nums |= {f"{_prefix(p)}{a}": b for a, b in (n | inum).items()} | {f"{_prefix(p)}informative": float(ok)}
    J, ev = _combine(per, "01-5")
    first = "standard" if "standard" in per else next(iter(per))
    pre = _prefix(first)
    ours = (f"best d = {int(nums[pre + 'best_d'])} (not beaten by it: d = {int(nums[pre + 'best_d_lo'])}–"
            f"{int(nums[pre + 'best_d_hi'])}); affine alone: Spearman {nums[pre + 'spearman_k']:+.2f} with k, "
            f"{100 * nums[pre + 'acc_k_first']:.1f} % → {100 * nums[pre + 'acc_k_last']:.1f} % ({first} protocol)")
    return REGISTRY.judge("01-5", J, ours, ev, nums)


def plateau_statistic(acc) -> float:
    """P = gain of the last step / mean gain per step of an accuracy curve acc (G,) on an equal-ratio grid:
    1 for a straight climb on the log axis, about 0 on a plateau (nan when the curve does not rise)."""
    acc = np.asarray(acc, float)
    total = acc[-1] - acc[0]
    if not total > 0:
        return float("nan")
    return float((acc[-1] - acc[-2]) / (total / (len(acc) - 1)))


def verdict_claim6(n_grid, acc, hits: dict | None = None, n_boot: int = 1000, seed: int = 0) -> Outcome:
    """Claim 01-6: accuracy rises with the number of anchors, then plateaus.

    n_grid: (G,) numbers of anchors (an equal-ratio grid); acc: (G, S) subspace + affine matching per grid point
    and seed; hits: {metric: (U, G) 0/1} per-unit hits (unit = (seed, query)) of matching and top-5, the
    bootstrap units of the plateau statistic P (:func:`plateau_statistic`); without them P of matching is judged
    on its seed interval (P per seed).
    """
    md, pr = _m("01-6", "min_diff"), _m("01-6", "plateau_ratio")
    n_grid, acc = np.asarray(n_grid, float), np.asarray(acc, float).reshape(len(n_grid), -1)
    o = np.argsort(n_grid)
    n_grid, acc = n_grid[o], acc[o]
    m = acc.mean(1)
    rises = gain(acc[-1], acc[0], md)
    flats, txt, nums = {}, [], {}
    for i, (met, H) in enumerate((hits or {"matching": None}).items()):
        if H is None:
            P = plateau_statistic(m)
            ps = np.array([plateau_statistic(acc[:, s]) for s in range(acc.shape[1])])
            ps = ps[np.isfinite(ps)]
            if not np.isfinite(P):
                flats[f"f{i}"] = False
                txt.append(f"{met}: does not rise (P undefined)")
            else:
                flats[f"f{i}"] = f = below(ps if len(ps) else [P], pr)
                word = {True: "plateau", False: "still climbing", None: "undecided"}[f.holds]
                txt.append(f"{met}: P = {P:.2f}, seed interval {f.interval.fmt(1, 2)} ({word})")
            nums[f"plateau_{met}"] = P
            continue
        H = np.asarray(H, float)[:, o]
        P = plateau_statistic(H.mean(0))
        if not np.isfinite(P):
            flats[f"f{i}"] = False
            txt.append(f"{met}: does not rise (P undefined)")
            nums[f"plateau_{met}"] = float("nan")
            continue
        bi = bootstrap_interval(lambda ix: np.nan_to_num(plateau_statistic(H[ix].mean(0)), nan=np.inf),
                                (np.arange(len(H)),), n_resamples=n_boot, seed=seed)
        flats[f"f{i}"] = f = decide(bi, "below", pr, seeds=False,
                                    why="a bootstrap interval over (seed, query) units: more queries or seeds would "
                                        "decide it")
        word = {True: "plateau", False: "still climbing", None: "undecided"}[f.holds]
        txt.append(f"{met}: P = {P:.2f} [{bi.lo:.2f}, {bi.hi:.2f}] ({word})")
        nums |= {f"plateau_{met}": P, f"plateau_{met}_lo": bi.lo, f"plateau_{met}_hi": bi.hi}

    J = judgement(lambda rises, **fl: combine_parts([rises, rises and all(fl.values())]), rises=rises, **flats)
    n90, n90_lo, n90_hi = crossing_interval(n_grid, acc, 0.9, md)
    word = {True: "rises", False: "does not rise", None: "rise undecided"}[rises.holds]
    ev = (f"{100 * m[0]:.1f} % at {int(n_grid[0])} anchors → {100 * m[-1]:.1f} % at {int(n_grid[-1])}, paired "
          f"difference {rises.interval.fmt(100)} pts ({word}: by at least {100 * md:g} pt); plateau statistic P = "
          f"last doubling's gain / mean gain per doubling (plateau = interval below {pr:g}): " + "; ".join(txt))
    ev += (f"; 90 % of the final accuracy first reached at {n90:,} anchors (seed interval of the crossing: "
           f"{n90_lo:,}–{n90_hi:,})")
    nums |= {"acc_first": float(m[0]), "acc_last": float(m[-1]), "diff_lo": rises.interval.lo,
             "diff_hi": rises.interval.hi, "n90": n90, "n90_lo": n90_lo, "n90_hi": n90_hi, "n_max": int(n_grid[-1])}
    if acc.shape[1] > 1:
        sl = seed_interval(acc[-1])
        nums |= {"acc_last_lo": sl.lo, "acc_last_hi": sl.hi}
    states = [f if isinstance(f, bool) else f.holds for f in flats.values()]
    flat = ("plateaus" if all(s is True for s in states) else "still climbing" if all(s is False for s in states)
            else "plateau undecided")
    Ps = ", ".join(f"{nums[f'plateau_{k}']:.2f} ({k})" for k in (hits or {"matching": None}))
    ours = (f"{flat} at the last doubling, {int(n_grid[-2]):,} → {int(n_grid[-1]):,} anchors (P = {Ps}; the most "
            f"here, the paper's plateau is near 30,000); 90 % of the final accuracy at {n90:,} anchors")
    return REGISTRY.judge("01-6", J, ours, ev, nums)
