"""The run of notebook 01, part 1: features, CKA (Fig. 2) and the alignment runs (Table 1).

1. :func:`encode_all`      frozen text / image features, the multi-modal text encoder (MiniLM + a
                           contrastive projection, :mod:`xmodal.encoders.text_projection`) and the uni- and
                           multi-modal 3D encoders (:func:`xmodal.encoders.pretrain3d.encoder_run`) →
                           :class:`Features`. The pipeline's entry: it applies the scale's runtime policy.
2. :func:`cka_table`       linear / debiased / RBF CKA of every 3D × text pair and the image–text reference,
                           each next to its chance level (pairs shuffled).
3. :func:`alignment_runs`  Table 1: pair × method × seed → matching and top-k retrieval accuracy.

The sweeps and Figs. 6–7 are in :mod:`.experiments`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ... import runtime
from ...align import CCA, cka, evaluate_alignment, matching_accuracy, topk_accuracy
from ...align.cka import cka_from_grams, gram_rbf
from ...progress import progress
from ...seed import make_rng
from .settings import Settings

__all__ = ["METHODS", "METHOD_LABELS", "FULL", "SUB", "THREED_LABELS", "TEXT_LABELS", "IMAGE_KEY", "IMAGE_LABEL",
           "Features", "frozen_features", "encode_all", "cka_table", "cka_value", "split_indices", "scores",
           "score_methods", "alignment_runs", "summarise", "table1"]

METHODS = ("none", "affine", "local_cka", "subspace_affine", "subspace_local_cka")
METHOD_LABELS = {"none": "none", "affine": "affine", "local_cka": "local CKA",
                 "subspace_affine": "subspace + affine", "subspace_local_cka": "subspace + local CKA"}
FULL = ("affine", "local_cka")
SUB = ("subspace_affine", "subspace_local_cka")

#: display names of the encoders (keys of Features.threed / Features.text)
THREED_LABELS = {"pointnet-uni": "PointNet (uni)", "pointbert-uni": "PointBERT (uni)", "dgcnn-uni": "DGCNN (uni)",
                 "pointnet-multi": "PointNet (multi)", "pointbert-multi": "PointBERT (multi)",
                 "dgcnn-multi": "DGCNN (multi)"}
TEXT_LABELS = {"minilm": "MiniLM (uni)", "glove": "GloVe (uni)", "mmtext": "MiniLM+proj (multi)"}
IMAGE_KEY, IMAGE_LABEL = "effnet", "EfficientNet-Lite0 (image)"


@dataclass
class Features:
    """Embeddings of every shape of a dataset by every encoder of the study.

    threed: {key: (N, 512) float32} (keys in THREED_LABELS); text: {key: (N, q) float32} of the evaluated
    captions (keys in TEXT_LABELS); image: (N, 1280) EfficientNet features averaged over the views;
    labels, subtypes, split: (N,) from the dataset; points: (N, n_points, 3) for Chamfer distances;
    histories: loss curves {name: (steps,)}; captions: (N,) the evaluated captions.
    """

    threed: dict[str, np.ndarray]
    text: dict[str, np.ndarray]
    image: np.ndarray
    labels: np.ndarray
    subtypes: np.ndarray
    split: np.ndarray
    points: np.ndarray
    captions: np.ndarray
    histories: dict[str, np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.labels)
        for group in (self.threed, self.text, {"image": self.image}):
            for k, v in group.items():
                if v.ndim != 2 or v.shape[0] != n:
                    raise ValueError(f"features {k!r} must be (N={n}, d); got {v.shape}")

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """All (3D key, text key) pairs in display order."""
        return [(a, b) for a in self.threed for b in self.text]

    def dims(self) -> pd.DataFrame:
        """One row per encoder: display name and embedding width."""
        rows = [{"encoder": THREED_LABELS.get(k, TEXT_LABELS.get(k, k)), "dim": v.shape[1]}
                for k, v in {**self.threed, **self.text}.items()]
        return pd.DataFrame(rows + [{"encoder": IMAGE_LABEL, "dim": self.image.shape[1]}])


def frozen_features(ds, settings: Settings, progress_bar: bool = True) -> dict[str, object]:
    """Frozen text / image features and the multi-modal text encoder, for every shape of ``ds`` (cached).

    Returns {"minilm": (N, P, 384) MiniLM on all P paraphrases of level ``settings.caption_level``,
    "glove": (N, 50) GloVe-mean of the evaluated paraphrase (index 0), "effnet": (N, V, 1280)
    EfficientNet-Lite0 of the V stored views, "mmtext": (N, 512) the multi-modal text embedding of the
    evaluated paraphrase, "mmtext_history": (steps,) its InfoNCE loss, "captions": (N,) evaluated captions}.
    The multi-modal text projection is trained on the train split only. Threads: the caller's runtime policy.
    """
    from ...encoders.image import EfficientNetLite0
    from ...encoders.text import GloVeMean, MiniLM
    from ...encoders.text_projection import multimodal_text_encoder

    caps = np.asarray(ds.captions[settings.caption_level])
    N, P = caps.shape
    imgs = np.asarray(ds.images)
    V = imgs.shape[1]
    minilm = MiniLM()(list(caps.reshape(-1)), progress=progress_bar).pooled.reshape(N, P, -1)
    glove = GloVeMean()(list(caps[:, 0]), progress=progress_bar).pooled
    effnet = EfficientNetLite0()(imgs.reshape(N * V, *imgs.shape[2:]), progress=progress_bar).pooled.reshape(N, V, -1)
    train = ds.mask("train")
    mm, hist = multimodal_text_encoder(minilm[train], effnet[train], settings.projection, seed=settings.seed,
                                       progress_bar=progress_bar)
    return {"minilm": minilm, "glove": glove, "effnet": effnet, "mmtext": mm.project(minilm[:, 0]),
            "mmtext_history": np.asarray(hist.loss, np.float32), "captions": caps[:, 0]}


def encode_all(ds, settings: Settings, progress_bar: bool = True) -> Features:
    """Every embedding of the study for dataset ``ds`` (a :class:`xmodal.data.WorldDataset`), cached.

    The pipeline's entry: runs under ``xmodal.runtime.use(settings.scale)``. Text and image:
    :func:`frozen_features`. 3D: uni-modal backbones ``settings.archs`` and multi-modal backbones
    ``settings.mm_archs`` from :func:`xmodal.encoders.pretrain3d.encoder_run` (multi-modal targets: its
    default, the frozen MiniLM level-4 caption features averaged over the paraphrases and the EfficientNet
    render features averaged over the views, shared with the other notebooks through the cache); all
    trained on the train split only. Wall times per step go to ``Features.timings``.
    """
    from ...encoders import pretrain3d

    with runtime.use(settings.scale):
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        fr = frozen_features(ds, settings, progress_bar)
        timings["frozen encoders + text projection"] = time.perf_counter() - t0
        histories = {"MiniLM+proj (InfoNCE vs renders)": fr["mmtext_history"]}
        threed: dict[str, np.ndarray] = {}
        for mode, archs in (("unimodal", settings.archs), ("multimodal", settings.mm_archs)):
            for arch in archs:
                t0 = time.perf_counter()
                key = f"{arch}-{'uni' if mode == 'unimodal' else 'multi'}"
                emb, hist = pretrain3d.encoder_run(arch, mode, ds, settings.scale, seed=settings.seed)
                threed[key] = np.asarray(emb, np.float32)
                histories[THREED_LABELS[key]] = np.asarray(hist.loss, np.float32)
                timings[f"3D {key}"] = time.perf_counter() - t0
    return Features(threed=threed, text={"minilm": fr["minilm"][:, 0], "glove": fr["glove"], "mmtext": fr["mmtext"]},
                    image=fr["effnet"].mean(1), labels=np.asarray(ds.labels), subtypes=np.asarray(ds.subtypes),
                    split=np.asarray(ds.split), points=np.asarray(ds.points), captions=fr["captions"],
                    histories=histories, timings=timings)


# ------------------------------------------------------------------------------------------------
# CKA (Fig. 2)
# ------------------------------------------------------------------------------------------------
def cka_table(feats: Features, settings: Settings, split: str = "heldout") -> pd.DataFrame:
    """CKA of every 3D × text pair and of the image–text reference, with chance levels.

    Computed on the held-out shapes (val + test: nothing trained here saw them; ``split='all'`` for all).
    Rows: x (3D or image key), y (text key), kernel in {linear, debiased, rbf}, cka, chance, chance_std,
    n. Chance: the same CKA with the rows of Y shuffled (``settings.cka_perm`` permutations, seeded).
    """
    if split == "heldout":
        m = feats.split >= 1
    elif split == "all":
        m = np.ones(len(feats.labels), bool)
    else:
        raise ValueError(f"split must be 'heldout' or 'all'; got {split!r}")
    xs = {**{k: v[m] for k, v in feats.threed.items()}, IMAGE_KEY: feats.image[m]}
    ys = {k: v[m] for k, v in feats.text.items()}
    n = int(m.sum())
    rng = make_rng(settings.seed, "cka_chance")
    perms = [rng.permutation(n) for _ in range(settings.cka_perm)]
    grams = {k: gram_rbf(v) for k, v in {**xs, **ys}.items()}
    rows = []
    for xk, X in progress(list(xs.items()), desc="CKA", unit="encoder"):
        for yk, Y in ys.items():
            for kernel, deb in (("linear", False), ("debiased", True), ("rbf", False)):
                if kernel == "rbf":
                    K, L = grams[xk], grams[yk]
                    val = cka_from_grams(K, L)
                    ch = np.array([cka_from_grams(K, L[p][:, p]) for p in perms])
                else:
                    val = cka(X, Y, debiased=deb)
                    ch = np.array([cka(X, Y[p], debiased=deb) for p in perms])
                rows.append({"x": xk, "y": yk, "kernel": kernel, "cka": val, "chance": float(ch.mean()),
                             "chance_std": float(ch.std()), "n": n})
    return pd.DataFrame(rows)


def cka_value(cka_df: pd.DataFrame, x: str, y: str, kernel: str, col: str = "cka") -> float:
    """One cell of :func:`cka_table` (``col`` in cka, chance, chance_std); KeyError when absent."""
    r = cka_df[(cka_df.x == x) & (cka_df.y == y) & (cka_df.kernel == kernel)]
    if len(r) != 1:
        raise KeyError(f"no CKA row for ({x}, {y}, {kernel})")
    return float(r[col].iloc[0])


# ------------------------------------------------------------------------------------------------
# alignment (Table 1)
# ------------------------------------------------------------------------------------------------
def split_indices(split: np.ndarray, settings: Settings, seed: int, n_anchors: int | None = None,
                  n_queries: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(anchors_idx, query_idx) for evaluation seed ``seed``: anchors from train+val, queries from test.

    Anchors and queries never share a shape. n_anchors None = all train+val shapes; more than available
    raises ValueError; n_queries defaults to ``settings.n_queries`` (at most the number of test shapes).
    """
    split = np.asarray(split)
    pool_a = np.flatnonzero(split <= 1)
    pool_q = np.flatnonzero(split == 2)
    n_anchors = settings.n_anchors if n_anchors is None else n_anchors
    n_queries = settings.n_queries if n_queries is None else n_queries
    if n_anchors is not None and not 2 <= n_anchors <= len(pool_a):
        raise ValueError(f"n_anchors must be in 2..{len(pool_a)} (train+val shapes); got {n_anchors}")
    if not 2 <= n_queries:
        raise ValueError(f"n_queries must be >= 2; got {n_queries}")
    rng = make_rng(seed, "platos_cave", "split")
    a = pool_a if n_anchors is None else np.sort(rng.choice(pool_a, n_anchors, replace=False))
    q = np.sort(rng.choice(pool_q, min(n_queries, len(pool_q)), replace=False))
    return a, q


def scores(S: np.ndarray) -> dict[str, float]:
    """Matching and top-1 / 5 / 10 accuracy of a (Q, Q) score matrix whose diagonal holds the true pairs."""
    return {"matching": matching_accuracy(S), "top1": topk_accuracy(S, 1), "top5": topk_accuracy(S, 5),
            "top10": topk_accuracy(S, 10)}


def score_methods(X, Y, anchors: np.ndarray, queries: np.ndarray, methods=METHODS, d: int = 50,
                  reg: float = 1e-3, direction: str = "text_to_3d", rng=None) -> dict[str, np.ndarray]:
    """{method: (Q, Q) score matrix} of several methods on one anchor / query split.

    Identical to calling :func:`xmodal.align.evaluate_alignment` once per method, but the rows are sliced
    and converted once and the CCA of the two subspace methods is fitted once (then affine / local CKA run
    on the projected rows, exactly what ``evaluate_alignment`` does after its own fit).
    X: (n, p), Y: (n, q); anchors, queries: disjoint row indices.
    """
    anchors, queries = np.asarray(anchors), np.asarray(queries)
    rows = np.concatenate([anchors, queries])
    Xs, Ys = np.asarray(X, np.float64)[rows], np.asarray(Y, np.float64)[rows]
    a, q = np.arange(len(anchors)), np.arange(len(anchors), len(rows))
    out = {}
    for m in methods:
        if not m.startswith("subspace_"):
            out[m] = evaluate_alignment(Xs, Ys, a, q, m, reg=reg, direction=direction, rng=rng)
    sub = [m for m in methods if m.startswith("subspace_")]
    if sub:
        cca = CCA(d, reg=reg).fit(Xs[a], Ys[a])
        Xr, Yr = cca.transform(Xs, Ys)
        for m in sub:
            out[m] = evaluate_alignment(Xr, Yr, a, q, m[len("subspace_"):], direction=direction)
    return {m: out[m] for m in methods}


def alignment_runs(feats: Features, settings: Settings, pairs=None, methods=METHODS,
                   direction: str = "text_to_3d") -> pd.DataFrame:
    """Table 1 runs: one row per (3D key, text key, method, seed) with matching, top1, top5, top10 and the
    number of anchors / queries. Uses d = ``settings.d`` capped at min(p, q) (noted in column ``d``)."""
    pairs = feats.pairs if pairs is None else list(pairs)
    rows = []
    for seed in settings.seeds:
        a, q = split_indices(feats.split, settings, seed)
        for xk, yk in progress(pairs, desc=f"alignment seed {seed}", unit="pair"):
            X, Y = feats.threed[xk], feats.text[yk]
            d = min(settings.d, X.shape[1], Y.shape[1])
            S = score_methods(X, Y, a, q, methods, d=d, reg=settings.cca_reg, direction=direction,
                              rng=make_rng(seed, "none", xk, yk))
            for meth in methods:
                rows.append({"x": xk, "y": yk, "method": meth, "seed": seed, "d": d, "n_anchors": len(a),
                             "n_queries": len(q), **scores(S[meth])})
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame, by=("x", "y", "method"), metrics=("matching", "top1", "top5", "top10")) -> pd.DataFrame:
    """Mean and std (ddof=0) over seeds: columns ``<metric>`` and ``<metric>_std``."""
    g = runs.groupby(list(by), sort=False)[list(metrics)]
    return g.mean().join(g.std(ddof=0).add_suffix("_std")).reset_index()


def table1(summary: pd.DataFrame, metrics=("matching", "top5")) -> pd.DataFrame:
    """Table 1 analogue: rows (3D, text), columns method × metric as 'mean ± std' in percent."""
    rows = []
    for (xk, yk), g in summary.groupby(["x", "y"], sort=False):
        r = {"3D encoder": THREED_LABELS.get(xk, xk), "text encoder": TEXT_LABELS.get(yk, yk)}
        g = g.set_index("method")
        for m in METHODS:
            if m in g.index:
                for met in metrics:
                    r[f"{METHOD_LABELS[m]} | {met}"] = f"{100 * g.loc[m, met]:.1f} ± {100 * g.loc[m, met + '_std']:.1f}"
        rows.append(r)
    return pd.DataFrame(rows)
