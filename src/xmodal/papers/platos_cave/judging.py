"""Claims 01-1 … 01-9 judged on a :class:`~.experiments.Results`: :func:`judge` picks each rule's inputs from
the results and calls its ``verdict_claim<k>`` (:mod:`.verdicts`); :func:`paper_vs_ours` builds the notebook's
last table from the outcomes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Outcome
from ...evaluation import seed_interval
from .experiments import Results, _after_cols
from .paper import LOSS_PLATEAU, PAPER, REGISTRY
from .pipeline import IMAGE_KEY, TEXT_LABELS, THREED_LABELS, cka_seeds, cka_value, protocol_blocks
from .verdicts import (chance_from_runs, verdict_claim1, verdict_claim2, verdict_claim3, verdict_claim4,
                       verdict_claim5, verdict_claim6, verdict_claim7, verdict_claim8, verdict_claim9)

__all__ = ["judge", "judge_all", "paper_vs_ours", "chance_levels"]

# ------------------------------------------------------------------------------------------------
# the rules' inputs, picked from the results
# ------------------------------------------------------------------------------------------------
_NEEDS = {"01-1": ["cka"], "01-2": ["cka"], "01-3": ["runs"], "01-4": ["runs"], "01-5": ["dsweep", "psweep"],
          "01-6": ["asweep"], "01-7": ["runs"], "01-8": ["runs"], "01-9": ["geometry", "nn_per_query"]}


def _per_seed(df: pd.DataFrame, xcol: str, method: str, metric: str = "matching"):
    """(grid (G,), accuracy (G, S)) of one method of a sweep, seeds as columns."""
    p = df[df.method == method].pivot_table(index=xcol, columns="seed", values=metric, aggfunc="first").sort_index()
    return p.index.to_numpy(), p.to_numpy()


def _plateau_note(R: Results) -> str:
    f = R.features
    if f is None or f.plateau is None:
        return ""
    p = f.plateau
    stop = p["plateau_stop"].notna() if "plateau_stop" in p else pd.Series(False, index=p.index)
    txt = []
    if stop.any():
        txt.append(f"{int(p.plateau[stop].sum())}/{int(stop.sum())} runs under the plateau stop (the registered "
                   "training rule) ended on the plateau of their held-out loss before the step cap")
    if (~stop).any():
        txt.append(f"{int(p.plateau[~stop].sum())}/{int((~stop).sum())} fixed-budget runs have the last "
                   f"{LOSS_PLATEAU['window']:.0%} of their steps within {LOSS_PLATEAU['rel_tol']:.0%} of the window before")
    return f"Loss-plateau check: {int(p.plateau.sum())}/{len(p)} 3D runs pass ({'; '.join(txt)})."


def chance_levels(R: Results) -> dict | None:
    """{protocol: {"matching": 1 / q, "top5": min(5, q) / q}} averaged over the query blocks of each protocol (q:
    the block's queries) and over the seeds — the chance levels of the informative test of claims 01-3 – 01-5,
    exact from the protocol's blocks (:func:`.pipeline.protocol_blocks`) when the features are known; else from the
    runs' query and block counts (:func:`.verdicts.chance_from_runs`); None when neither is there."""
    f, s = R.features, R.settings
    if f is None:
        return chance_from_runs(R.runs) if R.runs is not None else None
    out = {}
    for p in s.protocols:
        per = []
        for seed in s.seeds:
            _, blocks = protocol_blocks(f.split, f.labels, s, seed, p)
            q = np.array([len(b) for b in blocks], float)
            per.append([np.mean(1 / q), np.mean(np.minimum(5, q) / q)])
        m = np.mean(per, 0)
        out[p] = {"matching": float(m[0]), "top5": float(m[1])}
    return out


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
    else:
        unis = [x for x in dict.fromkeys(R.runs.x) if x.endswith("-uni")] if R.runs is not None else []
    if cid == "01-1":
        pairs = [(x, y) for x in unis for y in texts]
        lin = np.array([cka_seeds(c, x, y, "linear") for x, y in pairs])
        deb = np.array([cka_seeds(c, x, y, "debiased") for x, y in pairs])
        chm = [cka_value(c, x, y, "linear", "chance") for x, y in pairs]
        chs = [cka_value(c, x, y, "linear", "chance_std") for x, y in pairs]
        quoted = {f"{THREED_LABELS.get(x, x)} vs {TEXT_LABELS.get(y, y)} for {role}":
                  (cka_seeds(c, x, y, "linear"), cka_value(c, x, y, "linear", "chance"))
                  for x, y, role in ((s.main_3d, "mmtext", "CLIP text"), (s.main_3d, "minilm", "RoBERTa"))
                  if ((c.x == x) & (c.y == y)).any()}
        o = verdict_claim1(lin, chm, chs, deb, cka_value(c, IMAGE_KEY, "minilm", "debiased"), quoted or None,
                           (cka_value(c, IMAGE_KEY, "minilm", "linear"), cka_value(c, IMAGE_KEY, "minilm", "linear",
                                                                                   "chance")))
        for name, (x, y) in {"main_mmtext": (s.main_3d, "mmtext"), "main_minilm": (s.main_3d, "minilm"),
                             "image_minilm": (IMAGE_KEY, "minilm")}.items():
            v = cka_seeds(c, x, y, "linear")
            o.numbers[f"cka_{name}"] = float(v.mean())
            o.numbers[f"chance_{name}"] = cka_value(c, x, y, "linear", "chance")
            if x != IMAGE_KEY and len(v) > 1:
                iv = seed_interval(v)
                o.numbers[f"cka_{name}_lo"], o.numbers[f"cka_{name}_hi"] = iv.lo, iv.hi
        return o
    if cid == "01-2":
        mm, uni = [], []
        for x in dict.fromkeys(c.x):
            if x.endswith("-multi") and x.replace("-multi", "-uni") in set(c.x):
                for y in texts:
                    mm.append(cka_seeds(c, x, y, "debiased"))
                    uni.append(cka_seeds(c, x.replace("-multi", "-uni"), y, "debiased"))
        return verdict_claim2(mm, uni, plateau_note=_plateau_note(R))
    runs = R.runs
    if cid in ("01-3", "01-4"):
        r = runs[runs.x.isin(unis)]
        return (verdict_claim3 if cid == "01-3" else verdict_claim4)(r, chance=chance_levels(R))
    if cid == "01-5":
        ps = [p for p in s.protocols if p in set(R.dsweep.get("protocol", pd.Series(["standard"])))]
        dg, da, kg, ka = {}, {}, {}, {}
        for p in ps:
            dd = R.dsweep[R.dsweep.protocol == p] if "protocol" in R.dsweep else R.dsweep
            pp = R.psweep[R.psweep.protocol == p] if "protocol" in R.psweep else R.psweep
            dg[p], da[p] = _per_seed(dd, "d", "subspace_affine")
            kg[p], ka[p] = _per_seed(pp, "k", "affine")
        ch = chance_levels(R)
        return verdict_claim5(dg, da, kg, ka, chance={p: ch[p] for p in ps if p in ch} if ch else None)
    if cid == "01-6":
        grid, acc = _per_seed(R.asweep, "n_anchors", "subspace_affine")
        hits = None
        if R.ahits is not None:
            h = R.ahits[R.ahits.method == "subspace_affine"]
            hits = {met: h.pivot_table(index=["seed", "query"], columns="n_anchors", values=met,
                                       aggfunc="first").sort_index()[list(grid)].to_numpy() for met in ("matching", "top5")}
        return verdict_claim6(grid, acc, hits, n_boot=s.n_boot, seed=s.seed)
    std = runs[runs.protocol == "standard"] if "protocol" in runs else runs
    if cid == "01-7":
        kernels = ("linear", "rbf") if "subspace_local_cka_rbf" in set(std.method) else ("linear",)
        return verdict_claim7(std, kernels)
    if cid == "01-8":
        a, b = [], []
        for y in dict.fromkeys(std.y):
            for meth, met in (("subspace_affine", "matching"), ("subspace_local_cka", "top5")):
                pick = lambda x: std[(std.x == x) & (std.y == y) & (std.method == meth)].sort_values("seed")[met].to_numpy()
                a.append(pick("pointnet-uni"))
                b.append(pick("pointbert-uni"))
        return verdict_claim8(a, b, plateau_note=_plateau_note(R))
    g = R.geometry[R.geometry.stratum == "uniform"]
    pq = R.nn_per_query
    same = {sp: pq[pq.space == sp].pivot_table(index="query", columns="seed", values="same_category").to_numpy()
            for sp in ("raw 3D", "subspace")}
    cham = {sp: pq[pq.space == sp].pivot_table(index="query", columns="seed", values="chamfer").to_numpy()
            for sp in ("raw 3D", "subspace")}
    return verdict_claim9(g.text_raw, g[_after_cols(g)], g.chamfer, same, cham, n_boot=s.n_boot, seed=s.seed)


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
    row("01-2", "multi-modal − uni-modal 3D debiased CKA with text / multi-modal vs uni-modal text",
        "yes / yes", o["01-2"].ours if "01-2" in o else "")
    row("01-3", "full-space vs subspace gain over no alignment (matching)", "small gains (Table 1)",
        o["01-3"].ours if "01-3" in o else "")
    if "01-4" in o:
        n = o["01-4"].numbers
        mx, ng = n["max_ratio"], n.get("ratio_matching_no_glove", n["ratio_matching"])
        row("01-4", "gain of the subspace over the full space: the largest per-pair ratio (standard protocol; the "
            "GloVe pair's d = 50 is GloVe's full dimension) and the mean ratio without GloVe (matching)",
            f"up to ~{PAPER['max_gain']:g}x", f"up to {mx:.2f}x; mean {ng:.2f}x without GloVe",
            f"{mx - PAPER['max_gain']:+.2f}x (largest)")
    if "01-5" in o:
        n = o["01-5"].numbers
        d = int(n["best_d"])
        rng = f" (not beaten by it: {int(n['best_d_lo'])}–{int(n['best_d_hi'])})" if "best_d_lo" in n else ""
        row("01-5", "best subspace dimension d", PAPER["best_d"], f"{d}{rng}", f"{d - PAPER['best_d']:+d}")
    if "01-6" in o:
        row("01-6", "where accuracy plateaus vs the number of anchors (plateau statistic of the last doubling; 90 % "
            "of the final accuracy)", f"jump above ~{PAPER['anchors_jump']:,}, plateau near {PAPER['anchors_plateau']:,}",
            o["01-6"].ours)
    row("01-7", "pairs where subspace + affine wins matching / subspace + local CKA wins top-5", "yes / yes",
        o["01-7"].ours if "01-7" in o else "")
    row("01-8", "mean relative gap PointNet vs PointBERT (subspace methods)", "PointNet close to PointBERT",
        o["01-8"].ours if "01-8" in o else "")
    row("01-9", "Pearson r(caption distance, Chamfer distance) before → after alignment; nearest neighbours",
        "r ≈ 0 → positive; subspace NN semantic, raw NN geometric",
        o["01-9"].ours if "01-9" in o else "")
    return pd.DataFrame(rows, columns=["claim", "quantity", "paper", "ours", "difference", "verdict"])
