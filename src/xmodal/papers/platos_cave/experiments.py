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
from .pipeline import SUB, Features, alignment_runs, cka_table, encode_all, score_methods, scores, split_indices, \
    summarise
from .settings import Settings

__all__ = ["d_sweep", "pca_sweep", "anchor_sweep", "geometry_pairs", "neighbour_study", "pearson_r", "Results",
           "run"]


def d_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None,
            methods=SUB) -> pd.DataFrame:
    """Fig. 4 (left): subspace methods vs the CCA dimension d (grid ``settings.d_grid`` capped at min(p, q)).
    Rows: d, method, seed, metrics.

    CCA directions are nested (the top-d canonical pairs are the first d columns of the top-d_max fit), so
    one fit per seed with the largest d serves every d of the grid."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    X, Y = feats.threed[xk], feats.text[yk]
    rows = []
    for seed in settings.seeds:
        a, q = split_indices(feats.split, settings, seed)
        grid = [d for d in settings.d_grid if d <= min(X.shape[1], Y.shape[1], len(a) - 1)]
        cca = CCA(max(grid), reg=settings.cca_reg).fit(X[a], Y[a])
        Xr, Yr = cca.transform(X, Y)
        for d in progress(grid, desc=f"d sweep seed {seed}", unit="d"):
            for meth in methods:
                S = evaluate_alignment(Xr[:, :d], Yr[:, :d], a, q, meth[len("subspace_"):])
                rows.append({"d": d, "method": meth, "seed": seed, **scores(S)})
    return pd.DataFrame(rows)


def pca_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None) -> pd.DataFrame:
    """Fig. 4 (right): affine alone (text → 3D) after PCA of each modality to k dims (PCA fitted on the
    anchors, :func:`xmodal.evaluation.pca_basis`). Rows: k, method, seed, metrics."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    X, Y = np.asarray(feats.threed[xk], np.float64), np.asarray(feats.text[yk], np.float64)
    rows = []
    for seed in settings.seeds:
        a, q = split_indices(feats.split, settings, seed)
        ks = [k for k in settings.pca_grid if k <= min(X.shape[1], Y.shape[1], len(a))]
        (mx, Vx), (my, Vy) = pca_basis(X[a]), pca_basis(Y[a])
        Xp, Yp = (X - mx) @ Vx[:, :max(ks)], (Y - my) @ Vy[:, :max(ks)]
        for k in progress(ks, desc=f"PCA sweep seed {seed}", unit="k"):
            S = evaluate_alignment(Xp[:, :k], Yp[:, :k], a, q, "affine")
            rows.append({"k": k, "method": "affine", "seed": seed, **scores(S)})
    return pd.DataFrame(rows)


def anchor_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None,
                 methods=SUB) -> pd.DataFrame:
    """Fig. 5: subspace methods vs the number of anchors (grid ``settings.anchor_grid`` capped at the number
    of train+val shapes; seeds resample the anchors). d = min(settings.d, n_anchors − 1)."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    X, Y = feats.threed[xk], feats.text[yk]
    n_max = int((feats.split <= 1).sum())
    grid = sorted({min(n, n_max) for n in settings.anchor_grid})
    rows = []
    for seed in settings.seeds:
        for n in progress(grid, desc=f"anchor sweep seed {seed}", unit="n"):
            a, q = split_indices(feats.split, settings, seed, n_anchors=n)
            d = min(settings.d, n - 1, X.shape[1], Y.shape[1])
            S = score_methods(X, Y, a, q, methods, d=d, reg=settings.cca_reg)
            for meth in methods:
                rows.append({"n_anchors": n, "d": d, "method": meth, "seed": seed, **scores(S[meth])})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# geometry vs semantics (Figs. 6, 7)
# ------------------------------------------------------------------------------------------------
def _cos_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise cosine distance 1 − cos(a_i, b_i). A, B: (m, d) → (m,)."""
    An = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    Bn = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-12)
    return 1.0 - np.einsum("ij,ij->i", An, Bn)


def _fit_main_cca(feats: Features, settings: Settings, xk: str, yk: str) -> CCA:
    a, _ = split_indices(feats.split, settings, settings.seeds[0])
    X, Y = feats.threed[xk], feats.text[yk]
    return CCA(min(settings.d, X.shape[1], Y.shape[1]), reg=settings.cca_reg).fit(X[a], Y[a])


def geometry_pairs(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None) -> pd.DataFrame:
    """Fig. 6: for pairs (i, j) of test shapes (half within a category, half at random), the Chamfer distance
    of their point clouds and the cosine distance of their caption embeddings before alignment (raw text
    space) and after (the d-dimensional CCA subspace, fitted on the anchors of the first seed), plus the raw
    3D distance. Rows: i, j, chamfer, text_raw, text_subspace, shape_raw, same_category."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    cca = _fit_main_cca(feats, settings, xk, yk)
    test = np.flatnonzero(feats.split == 2)
    rng = make_rng(settings.seed, "platos_cave", "chamfer_pairs")
    n_same = settings.n_chamfer_pairs // 2
    i = rng.choice(test, settings.n_chamfer_pairs)
    j = rng.choice(test, settings.n_chamfer_pairs)
    for r in range(n_same):  # the first half: a partner of the same category (random pairs rarely are)
        j[r] = rng.choice(test[feats.labels[test] == feats.labels[i[r]]])
    keep = i != j
    i, j = i[keep], j[keep]
    Y, X = feats.text[yk], feats.threed[xk]
    Yr = cca.transform_y(Y)
    cd = np.array([chamfer_distance(feats.points[a], feats.points[b])
                   for a, b in progress(list(zip(i, j)), desc="Chamfer pairs", unit="pair")])
    return pd.DataFrame({"i": i, "j": j, "chamfer": cd, "text_raw": _cos_dist(Y[i], Y[j]),
                         "text_subspace": _cos_dist(Yr[i], Yr[j]), "shape_raw": _cos_dist(X[i], X[j]),
                         "same_category": feats.labels[i] == feats.labels[j]})


def neighbour_study(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None
                    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fig. 7: nearest neighbour (cosine) of test query shapes among all other shapes, in the raw 3D space
    and in the CCA subspace of the 3D encoder (X W_X). Returns (summary, detail): summary rows space in
    {raw 3D, subspace} with same_category, same_subtype, chamfer (mean over queries to the NN); detail
    {"queries": (m,), "raw 3D": (m, 3), "subspace": (m, 3)} the top-3 neighbour indices."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    cca = _fit_main_cca(feats, settings, xk, yk)
    X = feats.threed[xk]
    spaces = {"raw 3D": X, "subspace": cca.transform_x(X)}
    test = np.flatnonzero(feats.split == 2)
    rng = make_rng(settings.seed, "platos_cave", "nn_queries")
    qs = np.sort(rng.choice(test, min(settings.nn_queries, len(test)), replace=False))
    detail = {"queries": qs}
    rows = []
    for name, Z in spaces.items():
        S = cosine_scores(Z[qs], Z)
        S[np.arange(len(qs)), qs] = -np.inf  # never the query itself
        nn = nearest_neighbours(S, 3, settings.seed)
        detail[name] = nn
        first = nn[:, 0]
        cd = np.array([chamfer_distance(feats.points[a], feats.points[b])
                       for a, b in progress(list(zip(qs, first)), desc=f"Chamfer NN {name}", unit="query")])
        same = feats.labels[first] == feats.labels[qs]
        rows.append({"space": name, "same_category": float(np.mean(same)),
                     "same_subtype": float(np.mean(same & (feats.subtypes[first] == feats.subtypes[qs]))),
                     "chamfer": float(cd.mean()), "chamfer_std": float(cd.std()), "n_queries": len(qs)})
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
    (:func:`geometry_pairs`), neighbours (the summary of :func:`neighbour_study`); features, when :func:`run`
    made them."""

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


def run(settings: Settings, ds=None, progress_bar: bool = True) -> Results:
    """The whole study of notebook 01 under ``xmodal.runtime.use(settings.scale)``: features (``ds`` defaults
    to the world of ``settings.scale`` and ``settings.seed``), CKA, Table 1, the sweeps and Figs. 6–7."""
    from ...data import world_dataset

    with runtime.use(settings.scale):
        ds = world_dataset(settings.scale, seed=settings.seed) if ds is None else ds
        feats = encode_all(ds, settings, progress_bar=progress_bar)
        R = Results(settings, features=feats, cka=cka_table(feats, settings))
        R.runs = alignment_runs(feats, settings)
        R.summary = summarise(R.runs)
        R.dsweep, R.psweep, R.asweep = d_sweep(feats, settings), pca_sweep(feats, settings), anchor_sweep(feats, settings)
        R.geometry = geometry_pairs(feats, settings)
        R.neighbours, _ = neighbour_study(feats, settings)
    return R
