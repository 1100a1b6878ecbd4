"""The run of notebook 01, part 2: the sweeps (Figs. 4, 5), geometry vs semantics (Figs. 6, 7), and
:func:`run`, the whole study in one call (what the claim tests use).

Every function here takes the :class:`~.pipeline.Features` of :func:`~.pipeline.encode_all` and the
:class:`~.settings.Settings`, and returns DataFrames (one row per seed and grid point).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import runtime
from ...align import CCA, chamfer_distance, cosine_scores, evaluate_alignment, nearest_neighbours
from ...evaluation import pca_basis
from ...progress import progress
from ...seed import make_rng
from .pipeline import SUB, Features, alignment_runs, block_scores, cka_table, encode_all, protocol_blocks, \
    score_methods, scores, split_indices, summarise
from .settings import Settings

__all__ = ["d_sweep", "pca_sweep", "anchor_grid", "anchor_sweep", "uniform_pairs", "within_pairs", "geometry_pairs",
           "geometry_stats", "neighbour_study", "pearson_r", "spearman_r", "Results", "run"]


def d_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None,
            methods=SUB, protocol: str = "standard") -> pd.DataFrame:
    """Fig. 4 (left): subspace methods vs the CCA dimension d (grid ``settings.d_grid`` capped at min(p, q)),
    under one alignment protocol (:func:`~.pipeline.protocol_blocks`; accuracies are means over its query
    blocks). Rows: protocol, d, method, seed, metrics; seed k: encoders of seed k, split of seed k.

    CCA directions are nested (the top-d canonical pairs are the first d columns of the top-d_max fit), so
    one fit per seed with the largest d serves every d of the grid."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    rows = []
    for seed in settings.seeds:
        X, Y = feats.at(seed).threed[xk], feats.text[yk]
        a, blocks = protocol_blocks(feats.split, feats.labels, settings, seed, protocol)
        q = np.concatenate(blocks)
        grid = [d for d in settings.d_grid if d <= min(X.shape[1], Y.shape[1], len(a) - 1)]
        cca = CCA(max(grid), reg=settings.cca_reg).fit(X[a], Y[a])
        Xr, Yr = cca.transform(X, Y)
        for d in progress(grid, desc=f"d sweep {protocol} seed {seed}", unit="d"):
            for meth in methods:
                S = evaluate_alignment(Xr[:, :d], Yr[:, :d], a, q, meth[len("subspace_"):])
                rows.append({"protocol": protocol, "d": d, "method": meth, "seed": seed,
                             **block_scores(_cut(S, blocks))})
    return pd.DataFrame(rows)


def _cut(S: np.ndarray, blocks) -> list[np.ndarray]:
    """The diagonal blocks of a score matrix over concatenated query blocks."""
    ends = np.cumsum([0] + [len(b) for b in blocks])
    return [S[s:e, s:e] for s, e in zip(ends[:-1], ends[1:])]


def pca_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None,
              protocol: str = "standard") -> pd.DataFrame:
    """Fig. 4 (right): affine alone (text → 3D) after PCA of each modality to k dims (PCA fitted on the
    anchors, :func:`xmodal.evaluation.pca_basis`), under one protocol. Rows: protocol, k, method, seed, metrics."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    rows = []
    for seed in settings.seeds:
        X = np.asarray(feats.at(seed).threed[xk], np.float64)
        Y = np.asarray(feats.text[yk], np.float64)
        a, blocks = protocol_blocks(feats.split, feats.labels, settings, seed, protocol)
        q = np.concatenate(blocks)
        ks = [k for k in settings.pca_grid if k <= min(X.shape[1], Y.shape[1], len(a))]
        (mx, Vx), (my, Vy) = pca_basis(X[a]), pca_basis(Y[a])
        Xp, Yp = (X - mx) @ Vx[:, :max(ks)], (Y - my) @ Vy[:, :max(ks)]
        for k in progress(ks, desc=f"PCA sweep {protocol} seed {seed}", unit="k"):
            S = evaluate_alignment(Xp[:, :k], Yp[:, :k], a, q, "affine")
            rows.append({"protocol": protocol, "k": k, "method": "affine", "seed": seed,
                         **block_scores(_cut(S, blocks))})
    return pd.DataFrame(rows)


def anchor_grid(settings: Settings, n_max: int) -> list[int]:
    """The anchor grid of Fig. 5: ``settings.anchor_grid`` capped at ``n_max`` (the train+val shapes).
    ValueError when it is not an equal-ratio grid (every step the same factor, up to rounding)."""
    grid = sorted({min(int(n), n_max) for n in settings.anchor_grid})
    if len(grid) < 3:
        raise ValueError(f"the anchor grid needs at least 3 points; got {grid}")
    r = np.diff(np.log(grid))
    if np.ptp(r) > 0.05 * r.mean():
        raise ValueError(f"the anchor grid must have equal ratios (x{np.exp(r.mean()):.2f} per step); got {grid}")
    return grid


def anchor_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None,
                 methods=SUB, return_hits: bool = False):
    """Fig. 5: subspace methods vs the number of anchors (equal-ratio grid, :func:`anchor_grid`).

    Per seed k (encoders of seed k): the test queries of split k, and NESTED anchor sets — the first n of one
    seeded permutation of the train+val shapes — so every grid point sees the same queries and the curve
    differs only by the anchors added. d = min(settings.d, n_anchors − 1). Returns the per-seed rows
    (n_anchors, d, method, seed, metrics); with ``return_hits`` also the per-query hits (n_anchors, method,
    seed, query, matching, top5: 0/1), the units of the plateau bootstrap (claim 01-6)."""
    from ...align import matching_hits, topk_hits

    xk, yk = xk or settings.main_3d, yk or settings.main_text
    n_max = int((feats.split <= 1).sum())
    grid = anchor_grid(settings, n_max)
    rows, hits = [], []
    for seed in settings.seeds:
        X, Y = feats.at(seed).threed[xk], feats.text[yk]
        pool, q = split_indices(feats.split, settings, seed)
        perm = make_rng(seed, "platos_cave", "anchor_order").permutation(pool)
        for n in progress(grid, desc=f"anchor sweep seed {seed}", unit="n"):
            a = np.sort(perm[:n])
            d = min(settings.d, n - 1, X.shape[1], Y.shape[1])
            S = score_methods(X, Y, a, q, methods, d=d, reg=settings.cca_reg)
            for meth in methods:
                rows.append({"n_anchors": n, "d": d, "method": meth, "seed": seed, **scores(S[meth])})
                if return_hits:
                    hits.append(pd.DataFrame({"n_anchors": n, "method": meth, "seed": seed, "query": q,
                                              "matching": matching_hits(S[meth]).astype(np.int8),
                                              "top5": topk_hits(S[meth], 5).astype(np.int8)}))
    out = pd.DataFrame(rows)
    return (out, pd.concat(hits, ignore_index=True)) if return_hits else out


# ------------------------------------------------------------------------------------------------
# geometry vs semantics (Figs. 6, 7)
# ------------------------------------------------------------------------------------------------
def _cos_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise cosine distance 1 − cos(a_i, b_i). A, B: (m, d) → (m,)."""
    An = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    Bn = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-12)
    return 1.0 - np.einsum("ij,ij->i", An, Bn)


def _fit_main_cca(feats: Features, settings: Settings, xk: str, yk: str, seed: int) -> CCA:
    a, _ = split_indices(feats.split, settings, seed)
    X, Y = feats.at(seed).threed[xk], feats.text[yk]
    return CCA(min(settings.d, X.shape[1], Y.shape[1]), reg=settings.cca_reg).fit(X[a], Y[a])


def uniform_pairs(idx, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs (i, j), i != j, drawn uniformly (with replacement) among the ordered pairs of distinct
    elements of ``idx``: i uniform, then j uniform among the others. ValueError when idx has < 2 elements."""
    idx = np.asarray(idx)
    if len(idx) < 2 or n < 1:
        raise ValueError(f"need >= 2 shapes and n >= 1 pairs; got {len(idx)} shapes, n = {n}")
    a = rng.integers(0, len(idx), n)
    b = rng.integers(0, len(idx) - 1, n)
    b = b + (b >= a)  # uniform over the other len(idx) - 1 elements
    return idx[a], idx[b]


def within_pairs(idx, labels, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs drawn uniformly among the ordered pairs of distinct elements of ``idx`` that share a
    label (the within-category stratum). ValueError when no label has two elements."""
    idx, lab = np.asarray(idx), np.asarray(labels)[np.asarray(idx)]
    groups = [idx[lab == c] for c in np.unique(lab)]
    groups = [g for g in groups if len(g) >= 2]
    if not groups:
        raise ValueError("no category has two shapes: there is no within-category pair")
    w = np.array([len(g) * (len(g) - 1) for g in groups], float)
    gi = rng.choice(len(groups), n, p=w / w.sum())  # a category with prob. ∝ its number of pairs
    out = [uniform_pairs(groups[g], 1, rng) for g in gi]
    return np.array([o[0][0] for o in out]), np.array([o[1][0] for o in out])


def geometry_pairs(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None) -> pd.DataFrame:
    """Fig. 6: pairs (i, j) of test shapes with the Chamfer distance of their point clouds and the cosine
    DISTANCE (1 − cos) of their caption embeddings before alignment (raw text space) and after (the
    d-dimensional CCA subspace of seed k, fitted on the anchors of split k with the encoders of seed k:
    column ``text_subspace@k``; ``text_subspace`` = the first seed's), plus the raw 3D distance.

    Stratum ``uniform``: ``n_chamfer_pairs`` pairs drawn uniformly among all pairs of distinct test shapes
    (what the correlation is judged on); stratum ``within``: ``n_within_pairs`` pairs drawn uniformly among
    same-category pairs (to report the within-category correlation with enough pairs)."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    test = np.flatnonzero(feats.split == 2)
    rng = make_rng(settings.seed, "platos_cave", "chamfer_pairs_uniform")
    iu, ju = uniform_pairs(test, settings.n_chamfer_pairs, rng)
    iw, jw = within_pairs(test, feats.labels, settings.n_within_pairs, rng)
    i, j = np.concatenate([iu, iw]), np.concatenate([ju, jw])
    Y = feats.text[yk]
    cd = np.array([chamfer_distance(feats.points[a], feats.points[b])
                   for a, b in progress(list(zip(i, j)), desc="Chamfer pairs", unit="pair")])
    df = pd.DataFrame({"stratum": ["uniform"] * len(iu) + ["within"] * len(iw), "i": i, "j": j, "chamfer": cd,
                       "text_raw": _cos_dist(Y[i], Y[j]), "shape_raw": _cos_dist(feats.threed[xk][i], feats.threed[xk][j]),
                       "same_category": feats.labels[i] == feats.labels[j]})
    for seed in settings.seeds:
        Yr = _fit_main_cca(feats, settings, xk, yk, seed).transform_y(Y)
        df[f"text_subspace@{seed}"] = _cos_dist(Yr[i], Yr[j])
    df.insert(5, "text_subspace", df[f"text_subspace@{settings.seeds[0]}"])
    return df


def spearman_r(a, b) -> float:
    """Spearman rank correlation of two (n,) samples (average ranks for ties; 0 when either is constant)."""
    ra = pd.Series(np.asarray(a, float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, float)).rank().to_numpy()
    return pearson_r(ra, rb)


def _after_cols(g: pd.DataFrame) -> list[str]:
    return [c for c in g.columns if c.startswith("text_subspace@")]


def geometry_stats(g: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Correlation of caption distance with Chamfer distance, before (raw text) and after (subspace; the
    mean of the per-seed correlations), with 95 % percentile-bootstrap intervals over pairs, per subset:
    all uniform pairs, their between-category pairs, and the within-category stratum. Rows: subset, n,
    method (pearson, spearman), when (before, after), r, lo, hi."""
    from ...evaluation import bootstrap_interval

    subsets = {"uniform (all)": g[g.stratum == "uniform"],
               "uniform, between categories": g[(g.stratum == "uniform") & ~g.same_category],
               "within categories": g[g.stratum == "within"]}
    cols = _after_cols(g)
    rows = []
    for name, sub in subsets.items():
        if len(sub) < 3:
            continue
        ch, raw, aft = sub.chamfer.to_numpy(), sub.text_raw.to_numpy(), sub[cols].to_numpy()
        for mname, f in (("pearson", pearson_r), ("spearman", spearman_r)):
            for when in ("before", "after"):
                stat = ((lambda ix: f(raw[ix], ch[ix])) if when == "before" else
                        (lambda ix: float(np.mean([f(aft[ix, s], ch[ix]) for s in range(aft.shape[1])]))))
                iv = bootstrap_interval(stat, (np.arange(len(sub)),), n_resamples=n_boot, seed=seed)
                rows.append({"subset": name, "n": len(sub), "method": mname, "when": when, "r": iv.mean,
                             "lo": iv.lo, "hi": iv.hi})
    return pd.DataFrame(rows)


def neighbour_study(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None
                    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fig. 7: nearest neighbour (cosine) of test query shapes among all other shapes, in the raw 3D space
    and in the CCA subspace of the 3D encoder (X W_X), for the encoders of every seed (the same queries).
    Returns (summary, detail): summary rows (seed, space in {raw 3D, subspace}) with same_category,
    same_subtype, chamfer (means over queries to the NN); detail {"queries": (m,), "raw 3D": (m, 3),
    "subspace": (m, 3)} the top-3 neighbour indices of the first seed, and "per_query": a frame (seed,
    space, query, same_category, same_subtype, chamfer) — the units of claim 01-9's bootstrap."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    test = np.flatnonzero(feats.split == 2)
    rng = make_rng(settings.seed, "platos_cave", "nn_queries")
    qs = np.sort(rng.choice(test, min(settings.nn_queries, len(test)), replace=False))
    detail = {"queries": qs}
    rows, per = [], []
    for seed in settings.seeds:
        X = feats.at(seed).threed[xk]
        spaces = {"raw 3D": X, "subspace": _fit_main_cca(feats, settings, xk, yk, seed).transform_x(X)}
        for name, Z in spaces.items():
            S = cosine_scores(Z[qs], Z)
            S[np.arange(len(qs)), qs] = -np.inf  # never the query itself
            nn = nearest_neighbours(S, 3, settings.seed)
            if seed == settings.seeds[0]:
                detail[name] = nn
            first = nn[:, 0]
            cd = np.array([chamfer_distance(feats.points[a], feats.points[b])
                           for a, b in progress(list(zip(qs, first)), desc=f"Chamfer NN {name} seed {seed}",
                                                unit="query")])
            same = feats.labels[first] == feats.labels[qs]
            rows.append({"seed": seed, "space": name, "same_category": float(np.mean(same)),
                         "same_subtype": float(np.mean(same & (feats.subtypes[first] == feats.subtypes[qs]))),
                         "chamfer": float(cd.mean()), "chamfer_std": float(cd.std()), "n_queries": len(qs)})
            sub = same & (feats.subtypes[first] == feats.subtypes[qs])
            per.append(pd.DataFrame({"seed": seed, "space": name, "query": qs, "same_category": same.astype(float),
                                     "same_subtype": sub.astype(float), "chamfer": cd}))
    detail["per_query"] = pd.concat(per, ignore_index=True)
    return pd.DataFrame(rows), detail


def pearson_r(a, b) -> float:
    """Pearson correlation of two (n,) samples (0 when either is constant)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


@dataclass
class Results:
    """Everything the claims are judged on, filled in as the notebook goes: cka (:func:`cka_table`), summary
    (:func:`summarise` of :func:`alignment_runs`), runs (the per-seed rows), dsweep, psweep, asweep, geometry
    (:func:`geometry_pairs`), neighbours (the summary of :func:`neighbour_study`), ahits (the per-query hits
    of :func:`anchor_sweep`), nn_per_query (``neighbour_study``'s ``detail["per_query"]``); features, when
    :func:`run` made them. runs, summary, dsweep and psweep hold every protocol of ``settings.protocols``."""

    settings: Settings
    cka: pd.DataFrame | None = None
    runs: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    dsweep: pd.DataFrame | None = None
    psweep: pd.DataFrame | None = None
    asweep: pd.DataFrame | None = None
    geometry: pd.DataFrame | None = None
    neighbours: pd.DataFrame | None = None
    features: Features | None = None
    ahits: pd.DataFrame | None = None
    nn_per_query: pd.DataFrame | None = None


def run(settings: Settings, ds=None, progress_bar: bool = True) -> Results:
    """The whole study of notebook 01 under ``xmodal.runtime.use(settings.scale)``: features (``ds`` defaults
    to the world of ``settings.scale`` and ``settings.seed``), CKA, Table 1, the sweeps and Figs. 6–7."""
    from ...data import world_dataset

    with runtime.use(settings.scale):
        ds = world_dataset(settings.scale, seed=settings.seed) if ds is None else ds
        feats = encode_all(ds, settings, progress_bar=progress_bar)
        R = Results(settings, features=feats, cka=cka_table(feats, settings))
        ps = settings.protocols
        R.runs = pd.concat([alignment_runs(feats, settings, protocol=p) for p in ps], ignore_index=True)
        R.summary = summarise(R.runs)
        R.dsweep = pd.concat([d_sweep(feats, settings, protocol=p) for p in ps], ignore_index=True)
        R.psweep = pd.concat([pca_sweep(feats, settings, protocol=p) for p in ps], ignore_index=True)
        R.asweep, R.ahits = anchor_sweep(feats, settings, return_hits=True)
        R.geometry = geometry_pairs(feats, settings)
        R.neighbours, detail = neighbour_study(feats, settings)
        R.nn_per_query = detail["per_query"]
    return R
