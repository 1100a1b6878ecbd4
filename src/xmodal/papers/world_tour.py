"""Notebook 00: the tour of the embedded world and the sanity of the frozen encoders on it.

Functions return figures and DataFrames; the notebook shows them and hands them to a
:class:`xmodal.report.Report`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import get_scale

__all__ = ["Settings", "gallery_figure", "taxonomy_figure", "caption_table", "statistics_table",
           "throughput", "encoder_sanity", "neighbour_figure", "d2_descriptor", "same_category_rate"]


@dataclass(frozen=True)
class Settings:
    scale: str
    seed: int = 0
    caption_examples: int = 4
    throughput_shapes: int = 40
    neighbours_k: int = 5

    @classmethod
    def for_scale(cls, scale: str, seed: int = 0) -> "Settings":
        get_scale(scale)
        return cls(scale=scale, seed=seed, throughput_shapes=40 if scale == "ci" else 120)


def _first_of_each(ds) -> list[int]:
    return [int(np.flatnonzero(ds.labels == c)[0]) for c in range(len(ds.categories))]


def gallery_figure(ds, cols: int = 8):
    """All categories: the first instance's render next to a splat render of its point cloud."""
    import matplotlib.pyplot as plt

    from ..world import render

    idx = _first_of_each(ds)
    rows = int(np.ceil(len(idx) / (cols // 2)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.35, rows * 1.5))
    for k, i in enumerate(idx):
        r, c = divmod(k, cols // 2)
        pts = render((ds.points[i], ds.normals[i]), layout="ring12", resolution=ds.images.shape[2], views=[0],
                     colors=(0.35, 0.45, 0.75))
        for j, img in enumerate((ds.images[i, 0], pts.rgb[0])):
            ax = axes[r, 2 * c + j]
            ax.imshow(img)
            ax.set_xticks([]), ax.set_yticks([])
            if j == 0:
                ax.set_title(ds.categories[ds.labels[i]], fontsize=8, loc="left")
    for ax in axes.ravel()[2 * len(idx):]:
        ax.axis("off")
    fig.suptitle("The 40 categories: mesh render (left) and point-cloud splats (right)", y=1.0)
    fig.tight_layout()
    return fig


def taxonomy_figure():
    """The WordNet hypernym tree of the 40 categories (root on the left, categories on the right)."""
    import matplotlib.pyplot as plt

    from ..world import CATEGORIES

    children: dict[str, list[str]] = {}
    root = None
    for c in CATEGORIES:
        path = list(c.taxonomy)
        root = root or path[0]
        for a, b in zip(path[:-1], path[1:]):
            children.setdefault(a, [])
            if b not in children[a]:
                children[a].append(b)
    pos: dict[str, tuple[float, float]] = {}
    leaf = [0]

    def place(node, depth):
        kids = children.get(node, [])
        if not kids:
            pos[node] = (depth, leaf[0])
            leaf[0] += 1
        else:
            ys = [place(k, depth + 1) for k in kids]
            pos[node] = (depth, float(np.mean(ys)))
        return pos[node][1]

    place(root, 0)
    depth = max(x for x, _ in pos.values())
    fig, ax = plt.subplots(figsize=(1.0 * depth + 2, 0.22 * leaf[0] + 1))
    for a, ks in children.items():
        for b in ks:
            (x0, y0), (x1, y1) = pos[a], pos[b]
            ax.plot([x0, x0 + 0.5, x0 + 0.5, x1], [y0, y0, y1, y1], color="0.6", lw=0.8)
    names = {c.name for c in CATEGORIES}
    for n, (x, y) in pos.items():
        ax.text(x, y, n.replace("_", " "), fontsize=8, va="center", ha="left" if n in names else "right",
                color="C0" if n in names else "0.2", bbox=dict(fc="white", ec="none", pad=0.5))
    ax.set_xlim(-1.5, depth + 1.5)
    ax.invert_yaxis()
    ax.axis("off")
    ax.set_title("WordNet 3.0 hypernym paths of the 40 categories")
    return fig


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
    from ..world import CATEGORIES

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
    from ..world import CATEGORY_NAMES, make_shape, render

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


def _logreg_accuracy(Xtr, ytr, Xte, yte, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=seed))
    clf.fit(Xtr, ytr)
    return float((clf.predict(Xte) == yte).mean())


def encoder_sanity(ds, seed: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Sanity of the frozen encoders on the world.

    - EfficientNet-Lite0 linear probe on renders (view 0): category accuracy, train → test;
    - MiniLM and GloVe: caption (level 3) → category retrieval against the prompts "a {category}";
    - nearest neighbours: same-category rate of the k = 5 nearest test neighbours in each space.
    Returns the table and the features it used (for the neighbour figure).
    """
    from ..align import cosine_scores
    from ..encoders.image import EfficientNetLite0
    from ..encoders.text import GloVeMean, MiniLM

    tr, te = ds.mask("train"), ds.mask("test")
    img = EfficientNetLite0()(ds.images[:, 0]).pooled
    caps = [str(c) for c in ds.captions[3][:, 0]]
    prompts = [f"a {c.replace('_', ' ')}" for c in ds.categories]
    minilm, glove = MiniLM(), GloVeMean()
    t_mini, t_glove = minilm(caps).pooled, glove(caps).pooled
    p_mini, p_glove = minilm(prompts).pooled, glove(prompts).pooled
    chance = 1 / len(ds.categories)
    rows = [{"check": "EfficientNet-Lite0 linear probe on renders (test accuracy)",
             "value": _logreg_accuracy(img[tr], ds.labels[tr], img[te], ds.labels[te], seed), "chance": chance}]
    for name, t, p in (("MiniLM", t_mini, p_mini), ("GloVe-mean", t_glove, p_glove)):
        pred = cosine_scores(t[te], p).argmax(1)
        rows.append({"check": f"{name}: level-3 caption → category prompt retrieval (top-1)",
                     "value": float((pred == ds.labels[te]).mean()), "chance": chance})
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
    from ..align import cosine_scores

    S = cosine_scores(F, F)
    np.fill_diagonal(S, -np.inf)
    nn = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return float((labels[nn] == labels[:, None]).mean())


def neighbour_figure(ds, feats: dict[str, np.ndarray], n_queries: int = 3, k: int = 5, seed: int = 0):
    """For a few test queries, the k nearest test neighbours in each feature space (renders shown)."""
    import matplotlib.pyplot as plt

    from ..align import cosine_scores

    te = np.flatnonzero(ds.mask("test"))
    rng = np.random.default_rng(seed)
    queries = rng.choice(te, size=n_queries, replace=False)
    spaces = [s for s in feats if not s.startswith("points")]
    fig, axes = plt.subplots(n_queries * len(spaces), k + 1, figsize=(1.3 * (k + 1), 1.4 * n_queries * len(spaces)))
    for qi, q in enumerate(queries):
        for si, s in enumerate(spaces):
            F = feats[s]
            sc = cosine_scores(F[[q]], F[te])[0]
            sc[te == q] = -np.inf
            nn = te[np.argsort(-sc, kind="stable")[:k]]
            row = axes[qi * len(spaces) + si]
            for j, i in enumerate([q, *nn]):
                row[j].imshow(ds.images[i, 0])
                row[j].set_xticks([]), row[j].set_yticks([])
                same = ds.labels[i] == ds.labels[q]
                row[j].set_title(ds.categories[ds.labels[i]], fontsize=6, color="k" if j == 0 else ("g" if same else "r"))
            row[0].set_ylabel(s.split(" (")[0] + "\n" + s.split("(")[1].rstrip(")"), fontsize=6)
    fig.suptitle("Query (left) and its nearest neighbours per space (green: same category)", fontsize=9)
    fig.tight_layout()
    return fig
