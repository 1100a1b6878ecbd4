"""The verdict rules of claims 01-1 … 01-9: measurements in, :class:`xmodal.claims.Outcome` out.

``verdict_claim<k>`` applies the rule of claim ``01-k`` (registered in :data:`.paper.REGISTRY`, thresholds
read from there) to plain numbers / small frames, so each rule can be tested on hand-made inputs;
:func:`judge` picks the inputs from a :class:`~.experiments.Results`; :func:`paper_vs_ours` builds the last
table of the notebook from the outcomes. Comparisons of two accuracies use :func:`xmodal.claims.compare`
(paired over evaluation seeds, margin :data:`.paper.MIN_DIFF`): a part whose difference lies within the
noise is undecided, and the claim is ``inconclusive`` when that part could change the verdict.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Outcome, combine_parts, compare, decided as _decided, settle as _settle
from .experiments import Results, pearson_r
from .paper import PAPER, REGISTRY, threshold
from .pipeline import FULL, IMAGE_KEY, SUB, cka_value

__all__ = ["verdict_claim1", "verdict_claim2", "verdict_claim3", "verdict_claim4", "verdict_claim5",
           "verdict_claim6", "verdict_claim7", "verdict_claim8", "verdict_claim9", "judge", "judge_all",
           "paper_vs_ours"]


def verdict_claim1(cka_3d_text, chance_mean, chance_std, dcka_3d_text, dcka_image_text: float) -> Outcome:
    """Claim 01-1: unaligned 3D–text CKA is low, well below image–text CKA, and above chance.

    cka_3d_text, chance_mean, chance_std: (m,) biased linear CKA of the m uni-modal 3D × text pairs and its
    shuffled-pairs chance level; dcka_3d_text: (m,) debiased linear CKA of the same pairs; dcka_image_text:
    debiased linear CKA of the image–text reference.
    """
    t = threshold("01-1")
    c, m, s, dc = (np.asarray(v, float) for v in (cka_3d_text, chance_mean, chance_std, dcka_3d_text))
    above = c > m + t["chance_z"] * s
    top = float(dc.max())
    ratio = top / max(dcka_image_text, 1e-12)
    well, below = ratio < t["well_below"], top < dcka_image_text
    v = ("reproduced" if above.all() and well else "partly reproduced" if above.any() and below else "not reproduced")
    ev = (f"{int(above.sum())}/{len(above)} uni-modal 3D–text pairs above chance (+{t['chance_z']:g} std); "
          f"max debiased 3D–text CKA {top:.3f} vs image–text {dcka_image_text:.3f} "
          f"(ratio {ratio:.2f}, 'well below' needs < {t['well_below']:g})")
    return REGISTRY.judge("01-1", v, f"max debiased 3D–text CKA {top:.3f} vs image–text {dcka_image_text:.3f}", ev,
                          {"n_above_chance": int(above.sum()), "n_pairs": len(above), "max_debiased_3d_text": top,
                           "debiased_image_text": float(dcka_image_text), "ratio": ratio})


def verdict_claim2(mm3d, uni3d, mmtext, unitext_best) -> Outcome:
    """Claim 01-2: multi-modal encoders are more cross-modal compatible (debiased linear CKA with text).

    mm3d, uni3d: (k,) CKA of the multi-modal / uni-modal 3D encoder of the same backbone with the same text
    encoder; mmtext, unitext_best: (l,) CKA of each uni-modal 3D encoder with the multi-modal text encoder
    and with the best uni-modal text encoder.
    """
    f3 = float(np.mean(np.asarray(mm3d) > np.asarray(uni3d)))
    ft = float(np.mean(np.asarray(mmtext) > np.asarray(unitext_best)))
    v = ("reproduced" if f3 == 1.0 and ft == 1.0 else
         "partly reproduced" if (f3 + ft) / 2 >= threshold("01-2")["partly"] else "not reproduced")
    ev = (f"multi-modal 3D > uni-modal 3D (same backbone, same text) in {f3:.0%} of comparisons; "
          f"multi-modal text > best uni-modal text for {ft:.0%} of uni-modal 3D encoders")
    return REGISTRY.judge("01-2", v, f"{f3:.0%} / {ft:.0%} of comparisons won", ev,
                          {"frac_3d": f3, "frac_text": ft, "mean_gain_3d": float(np.mean(np.subtract(mm3d, uni3d))),
                           "mean_gain_text": float(np.mean(np.subtract(mmtext, unitext_best)))})


def _best(df: pd.DataFrame, methods, metric: str) -> pd.Series:
    """Per (x, y) pair, the best mean accuracy among ``methods``."""
    return df[df.method.isin(methods)].groupby(["x", "y"])[metric].max()


def _none(df: pd.DataFrame, metric: str) -> pd.Series:
    return df[df.method == "none"].set_index(["x", "y"])[metric]


def verdict_claim3(summary: pd.DataFrame, metrics=("matching", "top5")) -> Outcome:
    """Claim 01-3: affine / local CKA in the full space give only small gains over no alignment.

    summary: mean accuracies (columns x, y, method, <metrics>) of the uni-modal 3D pairs. Per metric,
    averaged over pairs: gain_full = best(affine, local CKA) − none, gain_sub = best(subspace methods) − none.
    """
    k = threshold("01-3")["small_gain"]
    small, parts, nums = [], [], {}
    for met in metrics:
        n0 = _none(summary, met)
        gf = float((_best(summary, FULL, met) - n0).mean())
        gs = float((_best(summary, SUB, met) - n0).mean())
        small.append(gs > 0 and gf < k * gs)
        parts.append(f"{met}: full-space gain {100 * gf:+.1f} pts vs subspace gain {100 * gs:+.1f} pts")
        nums.update({f"gain_full_{met}": gf, f"gain_sub_{met}": gs})
    return REGISTRY.judge("01-3", combine_parts(small), parts[0].split(": ", 1)[1],
                          "; ".join(parts) + f" (small = < {k:g} x subspace gain)", nums)


def verdict_claim4(summary: pd.DataFrame, metrics=("matching", "top5")) -> Outcome:
    """Claim 01-4: the CCA subspace + affine / local CKA improves matching and retrieval a lot (up to ~4x).

    summary: mean accuracies of the uni-modal 3D pairs. Per metric the ratio of means over pairs,
    mean(best subspace) / mean(best full-space); ours: the largest per-pair ratio ("up to").
    """
    t = threshold("01-4")
    ratios, maxr = [], []
    for met in metrics:
        bs, bf = _best(summary, SUB, met), _best(summary, FULL, met)
        ratios.append(float(bs.mean() / max(bf.mean(), 1e-12)))
        maxr.append(float((bs / bf.clip(lower=1e-12)).max()))
    v = ("reproduced" if all(r >= t["large_ratio"] for r in ratios) else
         "partly reproduced" if any(r >= t["some_ratio"] for r in ratios) else "not reproduced")
    ev = "; ".join(f"{m}: subspace / full-space = {r:.2f}x (up to {x:.1f}x per pair)" for m, r, x in zip(metrics, ratios, maxr))
    nums = {f"ratio_{m}": r for m, r in zip(metrics, ratios)} | {f"max_ratio_{m}": x for m, x in zip(metrics, maxr)}
    return REGISTRY.judge("01-4", v, f"up to {max(maxr):.2f}x", ev + f" ('a lot' = >= {t['large_ratio']:g}x)",
                          nums | {"max_ratio": max(maxr)})


def _spearman(a, b) -> float:
    ra = pd.Series(np.asarray(a, float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, float)).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def verdict_claim5(d_grid, acc_d, k_grid, acc_k) -> Outcome:
    """Claim 01-5: with the subspace, smaller d is better (sweet spot near 50); affine alone improves with d.

    d_grid: (G,) subspace dimensions; acc_d: (G, S) subspace + affine matching accuracy per d and evaluation
    seed; k_grid: (H,) PCA dimensions; acc_k: (H,) or (H, S) affine-alone matching accuracy (mean over seeds
    is used). A: the best d (highest mean) is not the largest and beats the largest, paired over seeds.
    """
    t = threshold("01-5")
    d_grid, acc_d = np.asarray(d_grid, float), np.asarray(acc_d, float).reshape(len(d_grid), -1)
    k_grid, acc_k = np.asarray(k_grid, float), np.asarray(acc_k, float).reshape(len(k_grid), -1).mean(1)
    o, ok = np.argsort(d_grid), np.argsort(k_grid)
    d_grid, acc_d, k_grid, acc_k = d_grid[o], acc_d[o], k_grid[ok], acc_k[ok]
    mean_d = acc_d.mean(1)
    ib = int(np.argmax(mean_d))
    best_d = int(d_grid[ib])
    cmp, iv = compare(acc_d[ib], acc_d[-1], margin=t["min_diff"])
    A = False if ib == len(d_grid) - 1 else _decided(cmp)
    sweet = t["sweet_d"][0] <= best_d <= t["sweet_d"][1]
    rho = _spearman(k_grid, acc_k)
    B = rho >= t["trend_rho"] and acc_k[-1] > acc_k[0]
    v = _settle(lambda A, sweet, B: "reproduced" if A and sweet and B else
                "partly reproduced" if A or B else "not reproduced", A=A, sweet=sweet, B=B)
    word = {True: "yes", False: "no", None: "within the noise"}[A]
    ev = (f"subspace: best d = {best_d} ({100 * mean_d[ib]:.1f} %) vs d = {int(d_grid[-1])} ({100 * mean_d[-1]:.1f} %), "
          f"paired difference {iv.fmt(100)} pts → smaller-is-better {word}; sweet spot in {t['sweet_d']}: "
          f"{'yes' if sweet else 'no'}; affine alone vs PCA dim: Spearman {rho:+.2f}, "
          f"{100 * acc_k[0]:.1f} % → {100 * acc_k[-1]:.1f} % ({'improves' if B else 'does not improve'})")
    return REGISTRY.judge("01-5", v, f"best d = {best_d}", ev,
                          {"best_d": best_d, "acc_best_d": float(mean_d[ib]), "acc_largest_d": float(mean_d[-1]),
                           "diff_lo": iv.lo, "diff_hi": iv.hi, "spearman_k": rho, "acc_k_first": float(acc_k[0]),
                           "acc_k_last": float(acc_k[-1])})


def verdict_claim6(n_grid, acc) -> Outcome:
    """Claim 01-6: accuracy rises with the number of anchors, then plateaus.

    n_grid: (G,) numbers of anchors; acc: (G, S) subspace + affine matching accuracy per grid point and
    evaluation seed. Rises: the most anchors beat the fewest, paired over seeds; plateau: the last step of
    the grid adds at most ``plateau_frac`` of the total gain (means).
    """
    t = threshold("01-6")
    n_grid, acc = np.asarray(n_grid, float), np.asarray(acc, float).reshape(len(n_grid), -1)
    o = np.argsort(n_grid)
    n_grid, acc = n_grid[o], acc[o]
    m = acc.mean(1)
    cmp, iv = compare(acc[-1], acc[0], margin=t["min_diff"])
    rises = _decided(cmp)
    total = m[-1] - m[0]
    last = m[-1] - m[-2] if len(m) > 1 else 0.0
    frac = last / total if total > 0 else float("nan")
    flat = bool(total > 0 and last <= t["plateau_frac"] * total)
    v = _settle(lambda rises: combine_parts([rises, rises and flat]), rises=rises)
    n90 = int(n_grid[np.argmax(m >= 0.9 * m[-1])]) if m[-1] > 0 else int(n_grid[-1])
    word = {True: "rises", False: "falls", None: "rise within the noise"}[rises]
    ev = (f"{100 * m[0]:.1f} % at {int(n_grid[0])} anchors → {100 * m[-1]:.1f} % at {int(n_grid[-1])}, paired "
          f"difference {iv.fmt(100)} pts ({word}); last step {int(n_grid[-2])}→{int(n_grid[-1])} adds {frac:.0%} of "
          f"the gain ({'plateau' if flat else 'no plateau'}, plateau = <= {t['plateau_frac']:.0%})")
    return REGISTRY.judge("01-6", v, f"{n90:,} anchors reach 90 % of the final {100 * m[-1]:.1f} %", ev,
                          {"acc_first": float(m[0]), "acc_last": float(m[-1]), "diff_lo": iv.lo, "diff_hi": iv.hi,
                           "last_step_frac": frac, "n90": n90, "n_max": int(n_grid[-1])})


def verdict_claim7(summary: pd.DataFrame) -> Outcome:
    """Claim 01-7: affine is better for matching; local CKA is better for top-5 retrieval (in the subspace).

    summary: mean accuracies of all pairs. fa = fraction of pairs with matching(subspace+affine) >
    matching(subspace+local CKA); fl = fraction with top5(subspace+local CKA) > top5(subspace+affine).
    """
    maj = threshold("01-7")["majority"]
    s = summary.set_index(["x", "y", "method"])
    aff, lck = s.xs("subspace_affine", level="method"), s.xs("subspace_local_cka", level="method")
    fa = float(np.mean(aff["matching"] > lck["matching"]))
    fl = float(np.mean(lck["top5"] > aff["top5"]))
    ev = (f"subspace+affine wins matching in {fa:.0%} of pairs; subspace+local CKA wins top-5 in {fl:.0%} of "
          f"pairs (needs >= {maj:.0%})")
    return REGISTRY.judge("01-7", combine_parts([fa >= maj, fl >= maj]), f"{fa:.0%} / {fl:.0%} of pairs", ev,
                          {"frac_affine_matching": fa, "frac_local_cka_top5": fl})


def verdict_claim8(pointnet, pointbert) -> Outcome:
    """Claim 01-8: encoder complexity matters little — PointNet is close to the transformer (PointBERT).

    pointnet, pointbert: (m,) matched accuracies of the two uni-modal encoders (same text encoder, same
    method and metric). Relative gap = mean |a − b| / max(a, b).
    """
    t = threshold("01-8")
    a, b = np.asarray(pointnet, float), np.asarray(pointbert, float)
    rel = float(np.mean(np.abs(a - b) / np.maximum(np.maximum(a, b), 1e-12)))
    v = "reproduced" if rel <= t["close_rel"] else "partly reproduced" if rel <= t["partly_rel"] else "not reproduced"
    ev = (f"mean relative gap PointNet vs PointBERT {rel:.0%} over {len(a)} (text encoder, metric) cells; "
          f"PointNet mean {100 * a.mean():.1f} %, PointBERT mean {100 * b.mean():.1f} %")
    return REGISTRY.judge("01-8", v, f"relative gap {rel:.0%}", ev,
                          {"rel_gap": rel, "pointnet_mean": float(a.mean()), "pointbert_mean": float(b.mean())})


def verdict_claim9(r_before: float, r_after: float, samecat_raw: float, samecat_sub: float,
                   chamfer_raw: float, chamfer_sub: float) -> Outcome:
    """Claim 01-9: geometry vs semantics.

    r_before / r_after: Pearson r of caption-embedding distance vs Chamfer distance before / after
    alignment; samecat_*: same-category rate of the nearest neighbours in the raw 3D space / subspace;
    chamfer_*: mean Chamfer distance to those neighbours.
    """
    t = threshold("01-9")
    checks = {"r≈0 before": abs(r_before) < t["r_zero"], "r rises after": r_after >= r_before + t["r_gain"],
              "subspace NN more semantic": samecat_sub > samecat_raw, "raw NN more geometric": chamfer_raw < chamfer_sub}
    k = sum(checks.values())
    ev = (f"Pearson r before {r_before:+.2f}, after {r_after:+.2f}; NN same-category raw {samecat_raw:.0%} vs "
          f"subspace {samecat_sub:.0%}; NN Chamfer raw {chamfer_raw:.4f} vs subspace {chamfer_sub:.4f}; checks passed: "
          + ", ".join(f"{n} {'✓' if ok else '✗'}" for n, ok in checks.items()))
    v = "reproduced" if k == 4 else "partly reproduced" if k >= 2 else "not reproduced"
    return REGISTRY.judge("01-9", v, f"r {r_before:+.2f} → {r_after:+.2f}", ev,
                          {"r_before": r_before, "r_after": r_after, "samecat_raw": samecat_raw,
                           "samecat_sub": samecat_sub, "chamfer_raw": chamfer_raw, "chamfer_sub": chamfer_sub})


# ------------------------------------------------------------------------------------------------
# the rules' inputs, picked from the results
# ------------------------------------------------------------------------------------------------
_NEEDS = {"01-1": ["cka"], "01-2": ["cka"], "01-3": ["summary"], "01-4": ["summary"], "01-5": ["dsweep", "psweep"],
          "01-6": ["asweep"], "01-7": ["summary"], "01-8": ["summary"], "01-9": ["geometry", "neighbours"]}


def _per_seed(df: pd.DataFrame, xcol: str, method: str, metric: str = "matching"):
    """(grid (G,), accuracy (G, S)) of one method of a sweep, seeds as columns."""
    p = df[df.method == method].pivot_table(index=xcol, columns="seed", values=metric, aggfunc="first").sort_index()
    return p.index.to_numpy(), p.to_numpy()


def judge(cid, R: Results) -> Outcome:
    """Apply the rule of claim ``cid`` (``"01-k"`` or k) to the results; ValueError when an input is missing."""
    cid = f"01-{cid}" if isinstance(cid, (int, np.integer)) else str(cid)
    if cid not in _NEEDS:
        raise ValueError(f"claims are {', '.join(_NEEDS)}; got {cid!r}")
    missing = [f for f in _NEEDS[cid] if getattr(R, f) is None]
    if missing:
        raise ValueError(f"claim {cid} needs Results.{', Results.'.join(missing)}; run the corresponding step first")
    s = R.settings
    if cid in ("01-1", "01-2"):
        c = R.cka
        unis = [x for x in dict.fromkeys(c.x) if x.endswith("-uni")]
        texts = list(dict.fromkeys(c.y))
    elif R.summary is not None:
        unis = [x for x in dict.fromkeys(R.summary.x) if x.endswith("-uni")]
    if cid == "01-1":
        sub = c[c.x.isin(unis)]
        lin, deb = sub[sub.kernel == "linear"], sub[sub.kernel == "debiased"]
        o = verdict_claim1(lin.cka, lin.chance, lin.chance_std, deb.cka, cka_value(c, IMAGE_KEY, "minilm", "debiased"))
        for name, (x, y) in {"main_mmtext": (s.main_3d, "mmtext"), "main_minilm": (s.main_3d, "minilm"),
                             "image_minilm": (IMAGE_KEY, "minilm")}.items():
            o.numbers[f"cka_{name}"] = cka_value(c, x, y, "linear")
            o.numbers[f"chance_{name}"] = cka_value(c, x, y, "linear", "chance")
        return o
    if cid == "01-2":
        mm, uni = [], []
        for x in dict.fromkeys(c.x):
            if x.endswith("-multi") and x.replace("-multi", "-uni") in set(c.x):
                for y in texts:
                    mm.append(cka_value(c, x, y, "debiased"))
                    uni.append(cka_value(c, x.replace("-multi", "-uni"), y, "debiased"))
        mt = [cka_value(c, x, "mmtext", "debiased") for x in unis]
        ut = [max(cka_value(c, x, y, "debiased") for y in texts if y != "mmtext") for x in unis]
        return verdict_claim2(mm, uni, mt, ut)
    if cid in ("01-3", "01-4"):
        return (verdict_claim3 if cid == "01-3" else verdict_claim4)(R.summary[R.summary.x.isin(unis)])
    if cid == "01-5":
        return verdict_claim5(*_per_seed(R.dsweep, "d", "subspace_affine"), *_per_seed(R.psweep, "k", "affine"))
    if cid == "01-6":
        return verdict_claim6(*_per_seed(R.asweep, "n_anchors", "subspace_affine"))
    if cid == "01-7":
        return verdict_claim7(R.summary)
    if cid == "01-8":
        sm = R.summary.set_index(["x", "y", "method"])
        a, b = [], []
        for y in dict.fromkeys(R.summary.y):
            for meth, met in (("subspace_affine", "matching"), ("subspace_local_cka", "top5")):
                a.append(sm.loc[("pointnet-uni", y, meth), met])
                b.append(sm.loc[("pointbert-uni", y, meth), met])
        return verdict_claim8(a, b)
    g, nn = R.geometry, R.neighbours.set_index("space")
    return verdict_claim9(pearson_r(g.text_raw, g.chamfer), pearson_r(g.text_subspace, g.chamfer),
                          nn.loc["raw 3D", "same_category"], nn.loc["subspace", "same_category"],
                          nn.loc["raw 3D", "chamfer"], nn.loc["subspace", "chamfer"])


def judge_all(R: Results) -> list[Outcome]:
    """Every registered claim judged on ``R``, in registry order."""
    return [judge(c.id, R) for c in REGISTRY]


def paper_vs_ours(outcomes) -> pd.DataFrame:
    """The last table, from the outcomes only: per claim, the quantity, the paper's number, ours, the
    difference (where both are numbers) and the verdict."""
    o = {x.id: x for x in outcomes}
    rows = []

    def row(cid, qty, paper, ours, diff=""):
        if cid in o:
            rows.append({"claim": cid, "quantity": qty, "paper": paper, "ours": ours, "difference": diff,
                         "verdict": o[cid].verdict})

    if "01-1" in o:
        n = o["01-1"].numbers
        for key, qty, paper in (("main_mmtext", "linear CKA, uni-modal PointBERT vs multi-modal text (CLIP text)",
                                 PAPER["cka_pointbert_clip_text"]),
                                ("main_minilm", "linear CKA, uni-modal PointBERT vs uni-modal text (RoBERTa → MiniLM)",
                                 PAPER["cka_pointbert_roberta"])):
            v = n[f"cka_{key}"]
            row("01-1", qty, paper, f"{v:.3f} (chance {n[f'chance_{key}']:.3f})", f"{v - paper:+.3f}")
        lo, hi = PAPER["cka_vision_text"]
        v = n["cka_image_minilm"]
        row("01-1", "linear CKA, vision vs text (EfficientNet renders vs MiniLM captions)", f"{lo:.2f}–{hi:.2f}",
            f"{v:.3f} (chance {n['chance_image_minilm']:.3f})",
            f"{0.0 if lo <= v <= hi else (v - lo if v < lo else v - hi):+.3f} (to the range)")
    row("01-2", "comparisons won: multi-modal 3D vs uni-modal 3D / multi-modal vs uni-modal text (debiased CKA)",
        "yes / yes", o["01-2"].ours if "01-2" in o else "")
    row("01-3", "full-space vs subspace gain over no alignment (matching)", "small vs large",
        o["01-3"].ours if "01-3" in o else "")
    if "01-4" in o:
        r = o["01-4"].numbers["max_ratio"]
        row("01-4", "largest gain of the subspace over the full space (per pair)", f"~{PAPER['max_gain']:g}x",
            f"{r:.2f}x", f"{r - PAPER['max_gain']:+.2f}x")
    if "01-5" in o:
        d = int(o["01-5"].numbers["best_d"])
        row("01-5", "best subspace dimension d", PAPER["best_d"], d, f"{d - PAPER['best_d']:+d}")
    if "01-6" in o:
        n = o["01-6"].numbers
        row("01-6", "anchors to reach 90 % of the final accuracy (paper: plateau)", f"~{PAPER['anchors_plateau']:,}",
            f"{int(n['n90']):,} (of {int(n['n_max']):,}); the last step adds {n['last_step_frac']:.0%} of the gain")
    row("01-7", "pairs where subspace+affine wins matching / subspace+local CKA wins top-5", "yes / yes",
        o["01-7"].ours if "01-7" in o else "")
    row("01-8", "mean relative gap PointNet vs PointBERT (subspace methods)", "small",
        o["01-8"].ours if "01-8" in o else "")
    row("01-9", "Pearson r(caption distance, Chamfer distance): before → after alignment", "≈0 → positive",
        o["01-9"].ours if "01-9" in o else "")
    return pd.DataFrame(rows, columns=["claim", "quantity", "paper", "ours", "difference", "verdict"])
