"""Notebook 00's steps: caption and statistics tables, throughput, the frozen-encoder sanity checks."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .paper import CHECKS, PROBE_CHANCE_FACTOR

__all__ = ["caption_table", "statistics_table", "throughput", "encoder_sanity", "d2_descriptor",
           "same_category_rate", "judge_checks"]


def caption_table(ds, n: int = 4, seed: int = 0) -> pd.DataFrame:
    """Captions of ``n`` instances (different categories) at the five levels, first paraphrase each."""
    rng = np.random.default_rng(seed)
    cats = rng.choice(len(ds.categories), size=n, replace=False)
    rows = []
    for c in cats:
        i = int(np.flatnonzero(ds.labels == c)[1])
        for lv in range(5):
            rows.append({"instance": f"{ds.categories[c]} #{int(ds.index[i])}", "level": lv,
                         "caption": str(ds.captions[lv][i, 0]), "paraphrase": str(ds.captions[lv][i, 1])})
    return pd.DataFrame(rows)


def statistics_table(ds) -> pd.DataFrame:
    """Per category: instances per split, sub-types seen, distinct level-3 and level-4 captions."""
    from ...world import CATEGORIES

    rows = []
    for c, cat in enumerate(CATEGORIES):
        m = ds.labels == c
        rows.append({"category": cat.name, "group": cat.group, "train": int((ds.split[m] == 0).sum()),
                     "val": int((ds.split[m] == 1).sum()), "test": int((ds.split[m] == 2).sum()),
                     "subtypes": f"{len(np.unique(ds.subtypes[m]))}/{len(cat.subtypes)}",
                     "distinct L3 captions": len(np.unique(ds.captions[3][m])),
                     "distinct L4 captions": len(np.unique(ds.captions[4][m]))})
    return pd.DataFrame(rows)


def throughput(n_shapes: int = 40, resolution: int = 128, seed: int = 0) -> pd.DataFrame:
    """Shapes generated per second, mesh and point-cloud renders per second (12 views each), one process."""
    from ...world import CATEGORY_NAMES, make_shape, render

    t = time.perf_counter()
    shapes = [make_shape(CATEGORY_NAMES[k % 40], 10_000 + k, seed=seed) for k in range(n_shapes)]
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    for s in shapes:
        render(s.mesh, layout="ring12", resolution=resolution)
    t_mesh = time.perf_counter() - t
    clouds = [s.sample_points(2048, seed=seed) for s in shapes]
    t = time.perf_counter()
    for p, nrm in clouds:
        render((p, nrm), layout="ring12", resolution=resolution)
    t_pts = time.perf_counter() - t
    return pd.DataFrame([
        {"step": "generate shape (mesh + attributes + captions)", "per second": n_shapes / t_gen},
        {"step": f"render mesh, {resolution}×{resolution}, per view", "per second": 12 * n_shapes / t_mesh},
        {"step": f"render 2048-point cloud, {resolution}×{resolution}, per view", "per second": 12 * n_shapes / t_pts},
    ])


def encoder_sanity(ds) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Sanity of the frozen encoders on the world.

    - EfficientNet-Lite0 linear probe on renders (view 0): category accuracy on test, the project's one probe
      (:func:`xmodal.evaluation.linear_probe`: C chosen on val, refit on train+val);
    - MiniLM and GloVe: caption (level 3) → category retrieval against the prompts "a {category}";
    - nearest neighbours: same-category rate of the k = 5 nearest test neighbours in each space.
    Returns the table and the features it used (for the neighbour figure).
    """
    from ...align import cosine_scores, label_topk_accuracy
    from ...encoders.image import EfficientNetLite0
    from ...evaluation import linear_probe
    from ...encoders.text import GloVeMean, MiniLM

    tr, va, te = ds.mask("train"), ds.mask("val"), ds.mask("test")
    img = EfficientNetLite0()(ds.images[:, 0]).pooled
    caps = [str(c) for c in ds.captions[3][:, 0]]
    prompts = [f"a {c.replace('_', ' ')}" for c in ds.categories]
    minilm, glove = MiniLM(), GloVeMean()
    t_mini, t_glove = minilm(caps).pooled, glove(caps).pooled
    p_mini, p_glove = minilm(prompts).pooled, glove(prompts).pooled
    chance = 1 / len(ds.categories)
    rows = [{"check": "EfficientNet-Lite0 linear probe on renders (test accuracy)",
             "value": linear_probe(img[tr], ds.labels[tr], img[va], ds.labels[va], img[te], ds.labels[te]).test_acc,
             "chance": chance}]
    for name, t, p in (("MiniLM", t_mini, p_mini), ("GloVe-mean", t_glove, p_glove)):
        rows.append({"check": f"{name}: level-3 caption → category prompt retrieval (top-1)",
                     "value": label_topk_accuracy(cosine_scores(t[te], p), ds.labels[te], 1), "chance": chance})
    feats = {"image (EfficientNet)": img, "text (MiniLM, level 3)": t_mini, "text (GloVe, level 3)": t_glove,
             "points (D2 shape distribution)": d2_descriptor(ds.points)}
    for name, f in feats.items():
        rows.append({"check": f"5-NN same-category rate, {name}", "value": same_category_rate(f[te], ds.labels[te]),
                     "chance": float(np.mean([(ds.labels[te] == c).mean() for c in ds.labels[te]]))})
    return pd.DataFrame(rows), feats


def d2_descriptor(points: np.ndarray, n_sub: int = 128, bins: int = 32) -> np.ndarray:
    """Osada et al.'s D2 shape distribution: histogram of pairwise distances of the first ``n_sub`` points.

    points: (N, P, 3) → (N, bins) float32, each row a normalised histogram over [0, 2] (unit sphere).
    """
    p = points[:, :n_sub].astype(np.float32)
    d = np.linalg.norm(p[:, :, None] - p[:, None], axis=-1)
    iu = np.triu_indices(p.shape[1], 1)
    d = d[:, iu[0], iu[1]]
    h = np.stack([np.histogram(r, bins=bins, range=(0, 2))[0] for r in d]).astype(np.float32)
    return h / h.sum(1, keepdims=True)


def same_category_rate(F: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Mean fraction of the k cosine nearest neighbours (self excluded) that share the query's label."""
    from ...align import cosine_scores, nearest_neighbours

    S = cosine_scores(F, F)
    np.fill_diagonal(S, -np.inf)
    nn = nearest_neighbours(S, k)  # ties broken by a fixed random order, not by the (label-sorted) row order
    return float((labels[nn] == labels[:, None]).mean())


def judge_checks(sanity: pd.DataFrame) -> list:
    """The sanity checks 00-1 (renders → category) and 00-2 (captions → category) from the
    :func:`encoder_sanity` table, by the rules registered in :data:`CHECKS`."""
    v = sanity.set_index("check")["value"]
    chance = float(sanity["chance"].iloc[0])
    out = []
    for cid, row, what in (("00-1", 0, "test accuracy"), ("00-2", 1, "top-1")):
        x = float(v.iloc[row])
        ok = x > PROBE_CHANCE_FACTOR * chance
        out.append(CHECKS.judge(cid, "reproduced" if ok else "not reproduced", f"{x:.3f}",
                                f"{what} {x:.3f} vs chance {chance:.3f} (threshold {PROBE_CHANCE_FACTOR:g}× chance)",
                                {"value": x, "chance": chance}))
    return out
