"""Notebook 01 — Escaping Plato's Cave (Hadgi et al., CVPR 2025): can independently trained 3D and text
encoders be aligned after training, with paired anchors only?

Pipeline (the notebook calls these in order; each returns arrays / DataFrames, figures are separate):

1. :func:`encode_all`      frozen text / image features, the multi-modal text encoder (MiniLM + a
                           contrastive projection, :mod:`xmodal.encoders.text_projection`) and the uni- and
                           multi-modal 3D encoders (:mod:`xmodal.encoders.pretrain3d`) → :class:`Features`.
2. :func:`cka_table`       linear / debiased / RBF CKA of every 3D × text pair and the image–text reference,
                           each next to its chance level (pairs shuffled).
3. :func:`alignment_runs`  Table 1: pair × method × seed → matching and top-k retrieval accuracy.
4. :func:`d_sweep`, :func:`pca_sweep`, :func:`anchor_sweep`  Figs. 4 and 5.
5. :func:`geometry_pairs`, :func:`neighbour_study`           Figs. 6 and 7 (Chamfer distance vs embeddings).
6. ``verdict_claim1`` … ``verdict_claim9``: the verdict rules, fixed before the results were seen, with
   explicit thresholds (module constants below); each returns a :class:`Verdict`.

The paper's reported numbers are typed in once, in :data:`PAPER`, with their source.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..align import CCA, Affine, chamfer_distance, cka, cka_chance, cosine_scores, evaluate_alignment, \
    matching_accuracy, topk_accuracy
from ..align.cka import cka_from_grams, gram_rbf
from ..config import get_scale
from ..encoders.text_projection import ProjectionConfig
from ..progress import progress
from ..seed import make_rng

__all__ = [
    "PAPER", "Settings", "Features", "Verdict", "METHODS", "METHOD_LABELS",
    "frozen_features", "encode_all", "cka_table", "split_indices", "score_methods", "alignment_runs", "summarise", "table1",
    "pca_basis", "pca_project", "d_sweep", "pca_sweep", "anchor_sweep", "geometry_pairs", "neighbour_study",
    "verdict_claim1", "verdict_claim2", "verdict_claim3", "verdict_claim4", "verdict_claim5",
    "verdict_claim6", "verdict_claim7", "verdict_claim8", "verdict_claim9",
    "CLAIMS", "Results", "evaluate_claim", "paper_vs_ours", "pearson_r",
    "cka_heatmap_figure", "table1_figure", "d_sweep_figure", "anchor_figure", "geometry_figure",
    "neighbour_figure", "loss_figure",
]

# ------------------------------------------------------------------------------------------------
# the paper's numbers (typed in once)
# ------------------------------------------------------------------------------------------------
#: Reported values of Hadgi et al., "Escaping Plato's Cave: Towards the Alignment of 3D and Text Latent
#: Spaces", CVPR 2025, as confirmed by a human review of the paper (shared/papers/01_platos_cave.md).
#: Table 1's numbers are unconfirmed there and therefore not typed in; only its qualitative content is.
PAPER = {
    "source": "Hadgi et al., CVPR 2025 (values confirmed by human review, shared/papers/01_platos_cave.md)",
    "cka_pointbert_clip_text": 0.12,      # uni-modal PointBERT vs CLIP text tower, linear CKA, unaligned (best 3D–text pair)
    "cka_pointbert_roberta": 0.04,        # uni-modal PointBERT vs RoBERTa, linear CKA, unaligned
    "cka_vision_text": (0.30, 0.48),      # vision vs text encoders (prior work cited by the paper)
    "max_gain": 4.0,                      # subspace projection improves matching / retrieval "up to ~4x"
    "best_d": 50,                         # sweet spot of the subspace dimension
    "anchors_jump": 10_000,               # accuracy jumps above ~10k anchors ...
    "anchors_plateau": 30_000,            # ... and plateaus near 30k
    "d": 50, "n_anchors": 30_000, "n_queries": 500, "n_seeds": 3,   # the protocol
}

# ------------------------------------------------------------------------------------------------
# verdict thresholds (decided before any result was seen; never tuned)
# ------------------------------------------------------------------------------------------------
CHANCE_Z = 3.0          # claim 1: a CKA value is "above chance" when > chance mean + 3 chance std
WELL_BELOW = 0.5        # claim 1: "well below" = 3D–text debiased CKA < 0.5 x image–text debiased CKA
SMALL_GAIN = 0.5        # claim 3: full-space gain over "none" < 0.5 x the subspace gain over "none"
LARGE_RATIO = 2.0       # claim 4: best subspace accuracy >= 2 x best full-space accuracy ("a lot")
SOME_RATIO = 1.1        # claim 4: partly when >= 1.1 x on some metric
SWEET_D = (16, 128)     # claim 5: the best subspace dimension lies in this range ("near d = 50")
MIN_DIFF = 0.005        # claims 5, 6: a difference of accuracies must exceed 0.005 + 2 std to count
TREND_RHO = 0.5         # claim 5: affine alone "gets better with d": Spearman rho(k, acc) >= 0.5
PLATEAU_FRAC = 0.25     # claim 6: the last anchor step adds <= 25 % of the total gain
MAJORITY = 2 / 3        # claims 2 (partly), 7: fraction of encoder pairs that must agree
CLOSE_REL = 0.25        # claim 8: PointNet within 25 % (relative) of PointBERT ...
PARTLY_REL = 0.5        # ... partly within 50 %
R_ZERO = 0.1            # claim 9: |Pearson r| < 0.1 counts as "about 0" before alignment
R_GAIN = 0.1            # claim 9: alignment raises r by at least 0.1

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


def _one_blas_thread(fn):
    """Run ``fn`` with BLAS/LAPACK limited to one thread (threadpoolctl, a scikit-learn dependency).

    The study is thousands of small (<= 512 x 512) eigen/SVD problems; a multi-threaded OpenBLAS on a
    shared 2-core machine spends more time spinning than computing (measured: eigh of 512 x 512 takes
    0.08 s with one thread, 0.4–4 s with two under load)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - installed with scikit-learn
            return fn(*args, **kwargs)
        with threadpool_limits(1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


# ------------------------------------------------------------------------------------------------
# settings
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """Every size of one run of notebook 01.

    caption_level: the caption level used as the Cap3D analogue (4 = detailed sentence); paraphrase 0 of it
    is the evaluated caption. archs / mm_archs: 3D backbones trained uni-modally / multi-modally ("dgcnn"
    can be added: it costs ~7 of the ~20 cold minutes at default for a 1-epoch encoder, so it is off).
    main_3d / main_text: the pair of Figs. 4–7 (the paper's best pair: uni-modal PointBERT vs CLIP text).
    d: subspace dimension; cca_reg: relative ridge eps of CCA (eps = cca_reg x mean eigenvalue; an
    assumption, the paper does not state it); n_queries: test shapes per seed; n_anchors: anchors per seed
    (None = all train+val shapes); seeds: evaluation seeds (resample anchors and queries); cka_perm:
    shuffles for the CKA chance level; grids of Figs. 4, 5; n_chamfer_pairs: shape pairs of Fig. 6;
    nn_queries: query shapes of Fig. 7; gallery: rows of the Fig. 7 picture gallery; torch_threads: torch
    CPU threads while the frozen encoders run (0 keeps torch's setting; 1 by default, as for the 3D
    pre-training: on a shared 2-core machine two threads per process were measured several times slower).
    """

    scale: str
    seed: int = 0
    seeds: tuple[int, ...] = (0, 1, 2)
    caption_level: int = 4
    archs: tuple[str, ...] = ("pointnet", "pointbert")
    mm_archs: tuple[str, ...] = ("pointnet", "pointbert")
    main_3d: str = "pointbert-uni"
    main_text: str = "mmtext"
    d: int = 50
    cca_reg: float = 1e-3
    n_queries: int = 500
    n_anchors: int | None = None
    cka_perm: int = 10
    d_grid: tuple[int, ...] = (5, 10, 20, 35, 50, 75, 100, 200, 300, 512)
    pca_grid: tuple[int, ...] = (5, 10, 20, 50, 100, 200, 300, 400, 512)
    anchor_grid: tuple[int, ...] = (100, 200, 400, 800, 1600, 3200, 4800)
    n_chamfer_pairs: int = 400
    nn_queries: int = 300
    gallery: int = 5
    projection: ProjectionConfig = field(default_factory=ProjectionConfig)
    torch_threads: int = 1

    @classmethod
    def for_scale(cls, name: str, seed: int = 0) -> "Settings":
        """The settings of scale ``name`` ('ci', 'default', 'full'); ValueError for an unknown name."""
        sc = get_scale(name)
        base = cls(scale=sc.name, seed=int(seed), seeds=tuple(sc.seeds))
        if sc.name == "ci":
            return replace(base, n_queries=100, cka_perm=5, d_grid=(5, 10, 20, 50, 100, 200),
                           pca_grid=(5, 10, 20, 50, 100, 200, 300), anchor_grid=(45, 90, 180, 360),
                           n_chamfer_pairs=150, nn_queries=60, gallery=3,
                           projection=ProjectionConfig(batch_size=128))
        if sc.name == "full":
            return replace(base, anchor_grid=(250, 500, 1000, 2000, 4000, 8000, 16000, 32000),
                           projection=ProjectionConfig(epochs=100, threads=0), torch_threads=0)
        return base


# ------------------------------------------------------------------------------------------------
# features
# ------------------------------------------------------------------------------------------------
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


def frozen_features(ds, settings: Settings, progress_bar: bool = True) -> dict[str, object]:
    """Frozen text / image features and the multi-modal text encoder, for every shape of ``ds`` (cached).

    Returns {"minilm": (N, P, 384) MiniLM on all P paraphrases of level ``settings.caption_level``,
    "glove": (N, 50) GloVe-mean of the evaluated paraphrase (index 0), "effnet": (N, V, 1280)
    EfficientNet-Lite0 of the V stored views, "mmtext": (N, 512) the multi-modal text embedding of the
    evaluated paraphrase, "mmtext_history": (steps,) its InfoNCE loss, "captions": (N,) evaluated captions}.
    The multi-modal text projection is trained on the train split only.
    """
    from ..encoders.image import EfficientNetLite0
    from ..encoders.text import GloVeMean, MiniLM
    from ..encoders.text_projection import multimodal_text_encoder

    import torch

    caps = np.asarray(ds.captions[settings.caption_level])
    N, P = caps.shape
    imgs = np.asarray(ds.images)
    V = imgs.shape[1]
    prev = torch.get_num_threads()
    if settings.torch_threads:
        torch.set_num_threads(settings.torch_threads)
    try:
        minilm = MiniLM()(list(caps.reshape(-1)), progress=progress_bar).pooled.reshape(N, P, -1)
        glove = GloVeMean()(list(caps[:, 0]), progress=progress_bar).pooled
        effnet = EfficientNetLite0()(imgs.reshape(N * V, *imgs.shape[2:]), progress=progress_bar).pooled
        effnet = effnet.reshape(N, V, -1)
    finally:
        torch.set_num_threads(prev)
    train = ds.mask("train")
    mm, hist = multimodal_text_encoder(minilm[train], effnet[train], settings.projection, seed=settings.seed,
                                       progress_bar=progress_bar)
    return {"minilm": minilm, "glove": glove, "effnet": effnet, "mmtext": mm.project(minilm[:, 0]),
            "mmtext_history": hist["loss"], "captions": caps[:, 0]}


def encode_all(ds, settings: Settings, progress_bar: bool = True) -> Features:
    """Every embedding of the study for dataset ``ds`` (a :class:`xmodal.data.WorldDataset`), cached.

    Text and image: :func:`frozen_features`. 3D: uni-modal backbones ``settings.archs`` and multi-modal
    backbones ``settings.mm_archs`` from :mod:`xmodal.encoders.pretrain3d` (multi-modal targets: its
    ``default_targets``, the frozen MiniLM level-4 caption features averaged over the paraphrases and the
    EfficientNet render features averaged over the views);
    all trained on the train split only. Wall times per step go to ``Features.timings``.
    """
    import time

    from ..encoders import pretrain3d

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
            # targets=None: pretrain3d.default_targets (MiniLM level-4 paraphrase mean, EfficientNet view mean),
            # shared with the other notebooks through the cache
            threed[key] = np.asarray(pretrain3d.embed_dataset(arch, mode, ds, settings.scale, seed=settings.seed),
                                     np.float32)
            _, hist = pretrain3d.pretrained_encoder(arch, mode, ds, settings.scale, seed=settings.seed)
            histories[THREED_LABELS[key]] = np.asarray(hist["step_loss"], np.float32)
            timings[f"3D {key}"] = time.perf_counter() - t0
    return Features(threed=threed, text={"minilm": fr["minilm"][:, 0], "glove": fr["glove"], "mmtext": fr["mmtext"]},
                    image=fr["effnet"].mean(1), labels=np.asarray(ds.labels), subtypes=np.asarray(ds.subtypes),
                    split=np.asarray(ds.split), points=np.asarray(ds.points), captions=fr["captions"],
                    histories=histories, timings=timings)


# ------------------------------------------------------------------------------------------------
# CKA (Fig. 2)
# ------------------------------------------------------------------------------------------------
@_one_blas_thread
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


# ------------------------------------------------------------------------------------------------
# alignment (Table 1, Figs. 4, 5)
# ------------------------------------------------------------------------------------------------
def split_indices(split: np.ndarray, settings: Settings, seed: int, n_anchors: int | None = None,
                  n_queries: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(anchors_idx, query_idx) for one evaluation seed: anchors from train+val, queries from test.

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


def _scores(S: np.ndarray) -> dict[str, float]:
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


@_one_blas_thread
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
                             "n_queries": len(q), **_scores(S[meth])})
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame, by=("x", "y", "method"), metrics=("matching", "top1", "top5", "top10")) -> pd.DataFrame:
    """Mean and std (ddof=0) over seeds: columns ``<metric>`` and ``<metric>_std``."""
    g = runs.groupby(list(by), sort=False)[list(metrics)]
    out = g.mean().join(g.std(ddof=0).add_suffix("_std")).reset_index()
    return out


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


def pca_basis(XA) -> tuple[np.ndarray, np.ndarray]:
    """Principal directions of the anchors XA: (n, p): (mean (p,), V (p, r)) with columns by decreasing
    variance, r = min(n, p). The top-k projection is (X - mean) @ V[:, :k]."""
    XA = np.asarray(XA, np.float64)
    mu = XA.mean(0)
    _, _, Vt = np.linalg.svd(XA - mu, full_matrices=False)
    return mu, Vt.T


def pca_project(XA: np.ndarray, X: np.ndarray, k: int) -> np.ndarray:
    """Project X: (m, p) on the top-k principal directions of the anchors XA: (n, p) → (m, k).

    PCA fitted on the anchors only (centred with the anchor mean); k ≤ min(n, p)."""
    XA = np.asarray(XA, np.float64)
    if not 1 <= k <= min(XA.shape):
        raise ValueError(f"k must be in 1..min(n, p) = {min(XA.shape)}; got {k}")
    mu, V = pca_basis(XA)
    return (np.asarray(X, np.float64) - mu) @ V[:, :k]


@_one_blas_thread
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
                rows.append({"d": d, "method": meth, "seed": seed, **_scores(S)})
    return pd.DataFrame(rows)


@_one_blas_thread
def pca_sweep(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None) -> pd.DataFrame:
    """Fig. 4 (right): affine alone (text → 3D) after PCA of each modality to k dims (PCA fitted on the
    anchors). Rows: k, seed, metrics."""
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
            rows.append({"k": k, "method": "affine", "seed": seed, **_scores(S)})
    return pd.DataFrame(rows)


@_one_blas_thread
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
                rows.append({"n_anchors": n, "d": d, "method": meth, "seed": seed, **_scores(S[meth])})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# geometry vs semantics (Figs. 6, 7)
# ------------------------------------------------------------------------------------------------
def _cos_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise cosine distance 1 - cos(a_i, b_i). A, B: (m, d) → (m,)."""
    An = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    Bn = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-12)
    return 1.0 - np.einsum("ij,ij->i", An, Bn)


def _fit_main_cca(feats: Features, settings: Settings, xk: str, yk: str) -> tuple[CCA, np.ndarray]:
    a, _ = split_indices(feats.split, settings, settings.seeds[0])
    X, Y = feats.threed[xk], feats.text[yk]
    d = min(settings.d, X.shape[1], Y.shape[1])
    return CCA(d, reg=settings.cca_reg).fit(X[a], Y[a]), a


@_one_blas_thread
def geometry_pairs(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None) -> pd.DataFrame:
    """Fig. 6: for pairs (i, j) of test shapes (half of them within a category, half at random), the Chamfer distance of their point clouds and the
    cosine distance of their caption embeddings before alignment (raw text space) and after (the
    d-dimensional CCA subspace, CCA fitted on the anchors of the first seed), plus the raw 3D distance.
    Rows: i, j, chamfer, text_raw, text_subspace, shape_raw, same_category."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    cca, _ = _fit_main_cca(feats, settings, xk, yk)
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


@_one_blas_thread
def neighbour_study(feats: Features, settings: Settings, xk: str | None = None, yk: str | None = None
                    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fig. 7: nearest neighbour (cosine) of test query shapes among all other shapes, in the raw 3D space
    and in the CCA subspace of the 3D encoder (X W_X). Returns (summary, detail) with summary rows
    space in {raw 3D, subspace}: same_category, same_subtype, chamfer (mean over queries to the NN), and
    detail {"queries": (m,), "raw": (m, 3), "subspace": (m, 3)} the top-3 neighbour indices."""
    xk, yk = xk or settings.main_3d, yk or settings.main_text
    cca, _ = _fit_main_cca(feats, settings, xk, yk)
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
        nn = np.argsort(-S, axis=1)[:, :3]
        detail[name] = nn
        first = nn[:, 0]
        cd = np.array([chamfer_distance(feats.points[a], feats.points[b])
                       for a, b in progress(list(zip(qs, first)), desc=f"Chamfer NN {name}", unit="query")])
        rows.append({"space": name, "same_category": float(np.mean(feats.labels[first] == feats.labels[qs])),
                     "same_subtype": float(np.mean((feats.labels[first] == feats.labels[qs])
                                                   & (feats.subtypes[first] == feats.subtypes[qs]))),
                     "chamfer": float(cd.mean()), "chamfer_std": float(cd.std()), "n_queries": len(qs)})
    return pd.DataFrame(rows), detail


# ------------------------------------------------------------------------------------------------
# verdict rules (thresholds are the module constants; inputs are plain numbers / small frames)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """verdict in xmodal.report.VERDICTS, the evidence in words, and our headline value."""

    verdict: str
    evidence: str
    our_value: object = None


def _tri(full: bool, some: bool) -> str:
    return "reproduced" if full else ("partly reproduced" if some else "not reproduced")


def verdict_claim1(cka_3d_text, chance_mean, chance_std, dcka_3d_text, dcka_image_text: float) -> Verdict:
    """Claim 1: unaligned 3D–text CKA is low, well below image–text CKA, and above chance.

    cka_3d_text, chance_mean, chance_std: (m,) biased linear CKA of the m uni-modal 3D × text pairs and its
    shuffled-pairs chance level; dcka_3d_text: (m,) debiased linear CKA of the same pairs; dcka_image_text:
    debiased linear CKA of the image–text reference. Above chance: cka > chance + CHANCE_Z·std.
    Well below: max(dcka_3d_text) < WELL_BELOW · dcka_image_text. Reproduced: all pairs above chance and
    well below; partly: some pair above chance and max(dcka_3d_text) < dcka_image_text; else not.
    """
    c, m, s, dc = (np.asarray(v, float) for v in (cka_3d_text, chance_mean, chance_std, dcka_3d_text))
    above = c > m + CHANCE_Z * s
    top = float(dc.max())
    well = top < WELL_BELOW * dcka_image_text
    below = top < dcka_image_text
    v = _tri(bool(above.all() and well), bool(above.any() and below))
    ev = (f"{int(above.sum())}/{len(above)} uni-modal 3D–text pairs above chance (+{CHANCE_Z:g} std); "
          f"max debiased 3D–text CKA {top:.3f} vs image–text {dcka_image_text:.3f} "
          f"(ratio {top / max(dcka_image_text, 1e-12):.2f}, 'well below' needs < {WELL_BELOW:g})")
    return Verdict(v, ev, round(top, 3))


def verdict_claim2(mm3d, uni3d, mmtext, unitext_best) -> Verdict:
    """Claim 2: multi-modal encoders are more cross-modal compatible (debiased linear CKA with text).

    mm3d, uni3d: (k,) CKA of the multi-modal / uni-modal 3D encoder of the same backbone with the same text
    encoder (k comparisons); mmtext, unitext_best: (l,) CKA of each uni-modal 3D encoder with the
    multi-modal text encoder and with the best uni-modal text encoder. Fractions won f3 = mean(mm3d > uni3d),
    ft = mean(mmtext > unitext_best). Reproduced: both 1; partly: mean(f3, ft) >= 0.5; else not.
    """
    f3 = float(np.mean(np.asarray(mm3d) > np.asarray(uni3d)))
    ft = float(np.mean(np.asarray(mmtext) > np.asarray(unitext_best)))
    v = _tri(f3 == 1.0 and ft == 1.0, (f3 + ft) / 2 >= 0.5)
    ev = (f"multi-modal 3D > uni-modal 3D (same backbone, same text) in {f3:.0%} of comparisons; "
          f"multi-modal text > best uni-modal text for {ft:.0%} of uni-modal 3D encoders")
    return Verdict(v, ev, f"{f3:.0%} / {ft:.0%}")


def _best(df: pd.DataFrame, methods, metric: str) -> pd.Series:
    """Per (x, y) pair, the best mean accuracy among ``methods``."""
    return df[df.method.isin(methods)].groupby(["x", "y"])[metric].max()


def _none(df: pd.DataFrame, metric: str) -> pd.Series:
    return df[df.method == "none"].set_index(["x", "y"])[metric]


def verdict_claim3(summary: pd.DataFrame, metrics=("matching", "top5")) -> Verdict:
    """Claim 3: affine / local CKA in the full space give only small gains over no alignment.

    summary: mean accuracies (columns x, y, method, <metrics>) of the uni-modal 3D pairs. Per metric,
    averaged over pairs: gain_full = best(affine, local CKA) − none, gain_sub = best(subspace methods) − none;
    small when gain_sub > 0 and gain_full < SMALL_GAIN · gain_sub. Reproduced: small on every metric;
    partly: on some metric; else not.
    """
    small, parts = [], []
    for met in metrics:
        n0 = _none(summary, met)
        gf = float((_best(summary, FULL, met) - n0).mean())
        gs = float((_best(summary, SUB, met) - n0).mean())
        small.append(gs > 0 and gf < SMALL_GAIN * gs)
        parts.append(f"{met}: full-space gain {100 * gf:+.1f} pts vs subspace gain {100 * gs:+.1f} pts")
    return Verdict(_tri(all(small), any(small)), "; ".join(parts) + f" (small = < {SMALL_GAIN:g} x subspace gain)",
                   parts[0].split(": ", 1)[1])


def verdict_claim4(summary: pd.DataFrame, metrics=("matching", "top5")) -> Verdict:
    """Claim 4: the CCA subspace + affine / local CKA improves matching and retrieval a lot (up to ~4x).

    summary: mean accuracies of the uni-modal 3D pairs. Per metric the ratio of means over pairs,
    mean(best subspace) / mean(best full-space). Reproduced: every ratio >= LARGE_RATIO; partly: some
    ratio >= SOME_RATIO; else not. our_value: the largest per-pair ratio ("up to").
    """
    ratios, maxr = [], []
    for met in metrics:
        bs, bf = _best(summary, SUB, met), _best(summary, FULL, met)
        ratios.append(float(bs.mean() / max(bf.mean(), 1e-12)))
        maxr.append(float((bs / bf.clip(lower=1e-12)).max()))
    v = _tri(all(r >= LARGE_RATIO for r in ratios), any(r >= SOME_RATIO for r in ratios))
    ev = "; ".join(f"{m}: subspace / full-space = {r:.2f}x (up to {x:.1f}x per pair)"
                   for m, r, x in zip(metrics, ratios, maxr))
    return Verdict(v, ev + f" ('a lot' = >= {LARGE_RATIO:g}x)", round(max(maxr), 2))


def _spearman(a, b) -> float:
    ra = pd.Series(np.asarray(a, float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, float)).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def verdict_claim5(d_grid, acc_d, std_d, k_grid, acc_k) -> Verdict:
    """Claim 5: with the subspace, smaller d is better (sweet spot near 50); affine alone improves with d.

    d_grid, acc_d, std_d: subspace + affine matching accuracy (mean, std over seeds) per subspace dimension;
    k_grid, acc_k: affine-alone matching accuracy per PCA dimension. A: the best d is not the largest and
    beats the largest by > MIN_DIFF + 2 std; sweet: best d in SWEET_D; B: Spearman(k, acc_k) >= TREND_RHO and
    acc_k(max k) > acc_k(min k). Reproduced: A, sweet and B; partly: A or B; else not.
    """
    d_grid, acc_d, std_d = (np.asarray(v, float) for v in (d_grid, acc_d, std_d))
    k_grid, acc_k = np.asarray(k_grid, float), np.asarray(acc_k, float)
    o, ok = np.argsort(d_grid), np.argsort(k_grid)
    d_grid, acc_d, std_d, k_grid, acc_k = d_grid[o], acc_d[o], std_d[o], k_grid[ok], acc_k[ok]
    ib = int(np.argmax(acc_d))
    best_d = int(d_grid[ib])
    A = ib < len(d_grid) - 1 and acc_d[ib] - acc_d[-1] > MIN_DIFF + 2 * std_d[-1]
    sweet = SWEET_D[0] <= best_d <= SWEET_D[1]
    rho = _spearman(k_grid, acc_k)
    B = rho >= TREND_RHO and acc_k[-1] > acc_k[0]
    v = _tri(bool(A and sweet and B), bool(A or B))
    ev = (f"subspace: best d = {best_d} ({100 * acc_d[ib]:.1f} %) vs d = {int(d_grid[-1])} ({100 * acc_d[-1]:.1f} %)"
          f" → smaller-is-better {'yes' if A else 'no'}, sweet spot in {SWEET_D}: {'yes' if sweet else 'no'}; "
          f"affine alone vs PCA dim: Spearman {rho:+.2f}, {100 * acc_k[0]:.1f} % → {100 * acc_k[-1]:.1f} % "
          f"({'improves' if B else 'does not improve'})")
    return Verdict(v, ev, best_d)


def verdict_claim6(n_grid, acc, std) -> Verdict:
    """Claim 6: accuracy rises with the number of anchors, then plateaus.

    n_grid, acc, std: subspace + affine matching accuracy (mean, std over seeds) per number of anchors.
    Rises: acc(max n) − acc(min n) > MIN_DIFF + 2 std(max n). Plateau: the last step of the grid adds at most
    PLATEAU_FRAC of the total gain. Reproduced: rises and plateau; partly: rises only; else not.
    """
    n_grid, acc, std = (np.asarray(v, float) for v in (n_grid, acc, std))
    o = np.argsort(n_grid)
    n_grid, acc, std = n_grid[o], acc[o], std[o]
    total = acc[-1] - acc[0]
    rises = total > MIN_DIFF + 2 * std[-1]
    last = acc[-1] - acc[-2] if len(acc) > 1 else 0.0
    plateau = rises and last <= PLATEAU_FRAC * total
    v = _tri(bool(rises and plateau), bool(rises))
    frac = last / total if total > 0 else float("nan")
    ev = (f"{100 * acc[0]:.1f} % at {int(n_grid[0])} anchors → {100 * acc[-1]:.1f} % at {int(n_grid[-1])} "
          f"({'rises' if rises else 'no clear rise'}); last step {int(n_grid[-2])}→{int(n_grid[-1])} adds "
          f"{frac:.0%} of the gain ({'plateau' if plateau else 'no plateau'}, plateau = <= {PLATEAU_FRAC:.0%})")
    return Verdict(v, ev, round(float(acc[-1]), 3))


def verdict_claim7(summary: pd.DataFrame) -> Verdict:
    """Claim 7: affine is better for matching; local CKA is better for top-5 retrieval (in the subspace).

    summary: mean accuracies of all pairs. fa = fraction of pairs with matching(subspace+affine) >
    matching(subspace+local CKA); fl = fraction with top5(subspace+local CKA) > top5(subspace+affine).
    Reproduced: fa and fl >= MAJORITY; partly: one of them >= MAJORITY; else not.
    """
    s = summary.set_index(["x", "y", "method"])
    aff = s.xs("subspace_affine", level="method")
    lck = s.xs("subspace_local_cka", level="method")
    fa = float(np.mean(aff["matching"] > lck["matching"]))
    fl = float(np.mean(lck["top5"] > aff["top5"]))
    v = _tri(fa >= MAJORITY and fl >= MAJORITY, fa >= MAJORITY or fl >= MAJORITY)
    ev = (f"subspace+affine wins matching in {fa:.0%} of pairs; subspace+local CKA wins top-5 in {fl:.0%} of "
          f"pairs (needs >= {MAJORITY:.0%})")
    return Verdict(v, ev, f"{fa:.0%} / {fl:.0%}")


def verdict_claim8(pointnet, pointbert) -> Verdict:
    """Claim 8: encoder complexity matters little — PointNet is close to the transformer (PointBERT).

    pointnet, pointbert: (m,) matched accuracies of the two uni-modal encoders (same text encoder, same
    method and metric). Relative gap = mean |a − b| / max(a, b). Reproduced: <= CLOSE_REL; partly:
    <= PARTLY_REL; else not.
    """
    a, b = np.asarray(pointnet, float), np.asarray(pointbert, float)
    rel = float(np.mean(np.abs(a - b) / np.maximum(np.maximum(a, b), 1e-12)))
    v = _tri(rel <= CLOSE_REL, rel <= PARTLY_REL)
    ev = (f"mean relative gap PointNet vs PointBERT {rel:.0%} over {len(a)} (text encoder, metric) cells; "
          f"PointNet mean {100 * a.mean():.1f} %, PointBERT mean {100 * b.mean():.1f} %")
    return Verdict(v, ev, round(rel, 3))


def verdict_claim9(r_before: float, r_after: float, samecat_raw: float, samecat_sub: float,
                   chamfer_raw: float, chamfer_sub: float) -> Verdict:
    """Claim 9: geometry vs semantics.

    r_before / r_after: Pearson r of caption-embedding distance vs Chamfer distance before / after
    alignment; samecat_*: same-category rate of the nearest neighbours in the raw 3D space / subspace;
    chamfer_*: mean Chamfer distance to those neighbours. Checks: |r_before| < R_ZERO; r_after >= r_before +
    R_GAIN; samecat_sub > samecat_raw; chamfer_raw < chamfer_sub. Reproduced: all four; partly: >= 2.
    """
    checks = {"r≈0 before": abs(r_before) < R_ZERO, "r rises after": r_after >= r_before + R_GAIN,
              "subspace NN more semantic": samecat_sub > samecat_raw,
              "raw NN more geometric": chamfer_raw < chamfer_sub}
    k = sum(checks.values())
    ev = (f"Pearson r before {r_before:+.2f}, after {r_after:+.2f}; NN same-category raw {samecat_raw:.0%} vs "
          f"subspace {samecat_sub:.0%}; NN Chamfer raw {chamfer_raw:.4f} vs subspace {chamfer_sub:.4f}; checks passed: "
          + ", ".join(f"{n} {'✓' if ok else '✗'}" for n, ok in checks.items()))
    return Verdict(_tri(k == 4, k >= 2), ev, f"r {r_before:+.2f} → {r_after:+.2f}")


# ------------------------------------------------------------------------------------------------
# claims: statements, inputs of the rules, the paper-vs-ours table
# ------------------------------------------------------------------------------------------------
#: The nine claims of the paper (shared/papers/01_platos_cave.md).
CLAIMS = {
    1: "Unaligned 3D–text CKA is low, well below image–text CKA on the same objects, and above chance.",
    2: "A multi-modal 3D encoder has higher CKA with text than uni-modal ones; a multi-modally trained text "
       "encoder is more 3D-compatible than a uni-modal one.",
    3: "Affine and local CKA in the full space give only small gains over no alignment for uni-modal 3D.",
    4: "CCA subspace projection + affine / + local CKA improves matching and retrieval a lot (up to ~4x).",
    5: "With the subspace, smaller d is better (sweet spot near d = 50); affine alone gets better as d grows.",
    6: "Accuracy rises with the number of anchors and then plateaus.",
    7: "Affine is better for matching; local CKA is better for top-5 retrieval.",
    8: "Encoder complexity matters little: PointNet is close to the transformer encoder.",
    9: "After alignment text distances correlate with Chamfer distances (about 0 before); nearest neighbours "
       "share semantics in the subspace and geometry in the raw 3D space.",
}


@dataclass
class Results:
    """Everything the claims are judged on (the outputs of the run functions), filled in as the notebook goes:
    cka (:func:`cka_table`), summary (:func:`summarise` of :func:`alignment_runs`), dsweep, psweep, asweep,
    geometry (:func:`geometry_pairs`), neighbours (the summary of :func:`neighbour_study`)."""

    settings: Settings
    cka: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    dsweep: pd.DataFrame | None = None
    psweep: pd.DataFrame | None = None
    asweep: pd.DataFrame | None = None
    geometry: pd.DataFrame | None = None
    neighbours: pd.DataFrame | None = None


def _cka_value(cka_df: pd.DataFrame, x: str, y: str, kernel: str, col: str = "cka") -> float:
    r = cka_df[(cka_df.x == x) & (cka_df.y == y) & (cka_df.kernel == kernel)]
    if len(r) != 1:
        raise KeyError(f"no CKA row for ({x}, {y}, {kernel})")
    return float(r[col].iloc[0])


def _curve_stats(df: pd.DataFrame, xcol: str, method: str, metric: str = "matching"):
    g = df[df.method == method].groupby(xcol)[metric]
    m = g.mean()
    return m.index.to_numpy(), m.to_numpy(), g.std(ddof=0).to_numpy()


def pearson_r(a, b) -> float:
    """Pearson correlation of two (n,) samples (0 when either is constant)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def evaluate_claim(k: int, R: Results) -> Verdict:
    """Apply the verdict rule of claim ``k`` (1..9) to the results (the rule's inputs are picked here)."""
    need = {1: ["cka"], 2: ["cka"], 3: ["summary"], 4: ["summary"], 5: ["dsweep", "psweep"], 6: ["asweep"],
            7: ["summary"], 8: ["summary"], 9: ["geometry", "neighbours"]}
    if k not in need:
        raise ValueError(f"claims are numbered 1..9; got {k!r}")
    missing = [f for f in need[k] if getattr(R, f) is None]
    if missing:
        raise ValueError(f"claim {k} needs Results.{', Results.'.join(missing)}; run the corresponding step first")
    if k in (1, 2):
        unis = [x for x in dict.fromkeys(R.cka.x) if x.endswith("-uni")]
        texts = list(dict.fromkeys(R.cka.y))
    else:
        unis = [x for x in dict.fromkeys(R.summary.x) if x.endswith("-uni")] if R.summary is not None else []
    if k == 1:
        c = R.cka[R.cka.x.isin(unis)]
        lin, deb = c[c.kernel == "linear"], c[c.kernel == "debiased"]
        return verdict_claim1(lin.cka, lin.chance, lin.chance_std, deb.cka,
                              _cka_value(R.cka, IMAGE_KEY, "minilm", "debiased"))
    if k == 2:
        mm, uni = [], []
        for x in dict.fromkeys(R.cka.x):
            if x.endswith("-multi") and x.replace("-multi", "-uni") in set(R.cka.x):
                for y in texts:
                    mm.append(_cka_value(R.cka, x, y, "debiased"))
                    uni.append(_cka_value(R.cka, x.replace("-multi", "-uni"), y, "debiased"))
        mt = [_cka_value(R.cka, x, "mmtext", "debiased") for x in unis]
        ut = [max(_cka_value(R.cka, x, y, "debiased") for y in texts if y != "mmtext") for x in unis]
        return verdict_claim2(mm, uni, mt, ut)
    if k in (3, 4):
        sub = R.summary[R.summary.x.isin(unis)]
        return (verdict_claim3 if k == 3 else verdict_claim4)(sub)
    if k == 5:
        d, acc, std = _curve_stats(R.dsweep, "d", "subspace_affine")
        kk, acck, _ = _curve_stats(R.psweep, "k", "affine")
        return verdict_claim5(d, acc, std, kk, acck)
    if k == 6:
        return verdict_claim6(*_curve_stats(R.asweep, "n_anchors", "subspace_affine"))
    if k == 7:
        return verdict_claim7(R.summary)
    if k == 8:
        sm = R.summary.set_index(["x", "y", "method"])
        a, b = [], []
        for y in dict.fromkeys(R.summary.y):
            for meth, met in (("subspace_affine", "matching"), ("subspace_local_cka", "top5")):
                a.append(sm.loc[("pointnet-uni", y, meth), met])
                b.append(sm.loc[("pointbert-uni", y, meth), met])
        return verdict_claim8(a, b)
    if k == 9:
        g, nn = R.geometry, R.neighbours.set_index("space")
        return verdict_claim9(pearson_r(g.text_raw, g.chamfer), pearson_r(g.text_subspace, g.chamfer),
                              nn.loc["raw 3D", "same_category"], nn.loc["subspace", "same_category"],
                              nn.loc["raw 3D", "chamfer"], nn.loc["subspace", "chamfer"])


def paper_vs_ours(R: Results, verdicts: dict[int, Verdict]) -> pd.DataFrame:
    """The last table: per claim, the paper's number, ours, the difference and the verdict."""
    s = R.settings
    main = s.main_3d
    c = R.cka
    rows = []

    def row(k, qty, paper, ours, diff=None):
        rows.append({"claim": k, "quantity": qty, "paper": paper, "ours": ours,
                     "difference": "" if diff is None else diff, "verdict": verdicts[k].verdict})

    v = _cka_value(c, main, "mmtext", "linear")
    ch = _cka_value(c, main, "mmtext", "linear", "chance")
    row(1, "linear CKA, uni-modal PointBERT vs multi-modal text (CLIP text)", PAPER["cka_pointbert_clip_text"],
        f"{v:.3f} (chance {ch:.3f})", f"{v - PAPER['cka_pointbert_clip_text']:+.3f}")
    v = _cka_value(c, main, "minilm", "linear")
    ch = _cka_value(c, main, "minilm", "linear", "chance")
    row(1, "linear CKA, uni-modal PointBERT vs uni-modal text (RoBERTa → MiniLM)", PAPER["cka_pointbert_roberta"],
        f"{v:.3f} (chance {ch:.3f})", f"{v - PAPER['cka_pointbert_roberta']:+.3f}")
    lo, hi = PAPER["cka_vision_text"]
    v = _cka_value(c, IMAGE_KEY, "minilm", "linear")
    ch = _cka_value(c, IMAGE_KEY, "minilm", "linear", "chance")
    row(1, "linear CKA, vision vs text (EfficientNet renders vs MiniLM captions)", f"{lo:.2f}–{hi:.2f}",
        f"{v:.3f} (chance {ch:.3f})", f"{0.0 if lo <= v <= hi else (v - lo if v < lo else v - hi):+.3f} (to the range)")
    row(2, "comparisons won: multi-modal 3D vs uni-modal 3D / multi-modal vs uni-modal text (debiased CKA)",
        "yes / yes", verdicts[2].our_value)
    row(3, "full-space vs subspace gain over no alignment (matching)", "small vs large", verdicts[3].our_value)
    row(4, "largest gain of the subspace over the full space (per pair)", f"~{PAPER['max_gain']:g}x",
        f"{verdicts[4].our_value}x", f"{float(verdicts[4].our_value) - PAPER['max_gain']:+.2f}x")
    row(5, "best subspace dimension d", PAPER["best_d"], verdicts[5].our_value,
        f"{int(verdicts[5].our_value) - PAPER['best_d']:+d}")
    n, acc, _ = _curve_stats(R.asweep, "n_anchors", "subspace_affine")
    n90 = int(n[np.argmax(acc >= 0.9 * acc[-1])]) if acc[-1] > 0 else int(n[-1])
    last = (acc[-1] - acc[-2]) / (acc[-1] - acc[0]) if len(acc) > 1 and acc[-1] > acc[0] else float("nan")
    row(6, "anchors to reach 90 % of the final accuracy (paper: plateau)", f"~{PAPER['anchors_plateau']:,}",
        f"{n90:,} (of {int(n[-1]):,}); the last step adds {last:.0%} of the gain")
    row(7, "pairs where subspace+affine wins matching / subspace+local CKA wins top-5", "yes / yes",
        verdicts[7].our_value)
    row(8, "mean relative gap PointNet vs PointBERT (subspace methods)", "small", f"{float(verdicts[8].our_value):.0%}")
    row(9, "Pearson r(caption distance, Chamfer distance): before → after alignment", "≈0 → positive",
        verdicts[9].our_value)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------------------------
def cka_heatmap_figure(cka_df: pd.DataFrame):
    """Fig. 2 analogue: linear / debiased / RBF CKA heatmaps, 3D encoders (and the image reference) × text
    encoders, each cell annotated with its chance level."""
    import matplotlib.pyplot as plt

    xs = list(dict.fromkeys(cka_df.x))
    ys = list(dict.fromkeys(cka_df.y))
    kernels = [k for k in ("linear", "debiased", "rbf") if k in set(cka_df.kernel)]
    fig, axes = plt.subplots(1, len(kernels), figsize=(4.2 * len(kernels), 0.55 * len(xs) + 1.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, kern in zip(axes, kernels):
        sub = cka_df[cka_df.kernel == kern].set_index(["x", "y"])
        M = np.array([[sub.loc[(x, y), "cka"] for y in ys] for x in xs])
        C = np.array([[sub.loc[(x, y), "chance"] for y in ys] for x in xs])
        ax.imshow(M, cmap="viridis", vmin=min(0.0, M.min()), vmax=max(1e-6, M.max()), aspect="auto")
        for i in range(len(xs)):
            for j in range(len(ys)):
                ax.text(j, i, f"{M[i, j]:.2f}\n({C[i, j]:.2f})", ha="center", va="center", fontsize=7,
                        color="white" if M[i, j] < 0.6 * M.max() else "black")
        ax.set_xticks(range(len(ys)), [TEXT_LABELS.get(y, y) for y in ys], rotation=25, ha="right", fontsize=8)
        ax.set_yticks(range(len(xs)), [THREED_LABELS.get(x, IMAGE_LABEL if x == IMAGE_KEY else x) for x in xs],
                      fontsize=8)
        ax.axhline(len(xs) - 1.5, color="w", lw=2)
        ax.set_title(f"{kern} CKA (chance)", fontsize=10)
        ax.grid(False)
    fig.suptitle("CKA between 3D and text encoders (last row: image–text reference); shuffled-pairs chance "
                 "in parentheses", fontsize=10)
    fig.tight_layout()
    return fig


def table1_figure(summary: pd.DataFrame, metrics=("matching", "top5")):
    """Table 1 as grouped bars: per encoder pair, the five methods (mean ± std over seeds)."""
    import matplotlib.pyplot as plt

    pairs = list(dict.fromkeys(zip(summary.x, summary.y)))
    fig, axes = plt.subplots(len(metrics), 1, figsize=(max(8, 0.75 * len(pairs) + 2), 3.0 * len(metrics)),
                             sharex=True)
    axes = np.atleast_1d(axes)
    w = 0.8 / len(METHODS)
    s = summary.set_index(["x", "y", "method"])
    for ax, met in zip(axes, metrics):
        for k, m in enumerate(METHODS):
            vals = [100 * s.loc[(x, y, m), met] for x, y in pairs]
            err = [100 * s.loc[(x, y, m), met + "_std"] for x, y in pairs]
            ax.bar(np.arange(len(pairs)) + (k - 2) * w, vals, w, yerr=err, label=METHOD_LABELS[m], capsize=1.5)
        ax.set_ylabel(f"{met} (%)")
    axes[-1].set_xticks(range(len(pairs)), [f"{THREED_LABELS[x]}\n{TEXT_LABELS[y]}" for x, y in pairs],
                        rotation=90, fontsize=7)
    axes[0].legend(fontsize=7, ncol=5, loc="upper left")
    axes[0].set_title("Matching accuracy and top-5 retrieval per encoder pair and alignment method")
    fig.tight_layout()
    return fig


def _curve(ax, df, xcol, method, metric, label, **kw):
    g = df[df.method == method].groupby(xcol)[metric]
    m, s = g.mean(), g.std(ddof=0)
    ax.errorbar(m.index, 100 * m.values, yerr=100 * s.values, marker="o", ms=3, capsize=2, label=label, **kw)


def d_sweep_figure(dsw: pd.DataFrame, psw: pd.DataFrame, d_paper: int = 50):
    """Fig. 4 analogue: matching and top-5 vs subspace dimension d (subspace methods) and vs PCA dimension
    (affine alone)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=False)
    for ax, met in zip(axes, ("matching", "top5")):
        for m in SUB:
            _curve(ax, dsw, "d", m, met, f"{METHOD_LABELS[m]} (vs d)")
        g = psw.groupby("k")[met]
        ax.errorbar(g.mean().index, 100 * g.mean().values, yerr=100 * g.std(ddof=0).values, marker="s", ms=3,
                    ls="--", capsize=2, label="affine after PCA (vs PCA dim)")
        ax.axvline(d_paper, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("dimension (d for CCA, k for PCA)")
        ax.set_ylabel(f"{met} (%)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Accuracy vs dimension: CCA subspace (solid) and PCA + affine (dashed); dotted: paper's d = 50",
                 fontsize=10)
    fig.tight_layout()
    return fig


def anchor_figure(asw: pd.DataFrame):
    """Fig. 5 analogue: matching and top-5 accuracy vs the number of anchors (subspace methods)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax, met in zip(axes, ("matching", "top5")):
        for m in SUB:
            _curve(ax, asw, "n_anchors", m, met, METHOD_LABELS[m])
        ax.set_xscale("log")
        ax.set_xlabel("number of anchors")
        ax.set_ylabel(f"{met} (%)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Accuracy vs number of anchors", fontsize=10)
    fig.tight_layout()
    return fig


def geometry_figure(gp: pd.DataFrame):
    """Fig. 6 analogue: caption-embedding distance vs Chamfer distance, before / after alignment, Pearson r."""
    import matplotlib.pyplot as plt

    cols = [("text_raw", "caption distance, raw text space (before)"),
            ("text_subspace", "caption distance, CCA subspace (after)"),
            ("shape_raw", "3D-embedding distance, raw 3D space")]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    for ax, (c, title) in zip(axes, cols):
        r = float(np.corrcoef(gp[c], gp.chamfer)[0, 1])
        same = gp.same_category.to_numpy()
        ax.scatter(gp.chamfer[~same], gp[c][~same], s=6, alpha=0.5, label="different category")
        ax.scatter(gp.chamfer[same], gp[c][same], s=10, alpha=0.8, label="same category")
        ax.set_xlabel("Chamfer distance of the shapes")
        ax.set_ylabel("cosine distance")
        ax.set_title(f"{title}\nPearson r = {r:+.2f}", fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def neighbour_figure(nn_summary: pd.DataFrame, detail: dict, images: np.ndarray, labels: np.ndarray,
                     categories, points: np.ndarray, rows: int = 5):
    """Fig. 7 analogue: left, same-category / same-subtype rate and Chamfer distance of the nearest neighbour
    in the raw 3D space vs the subspace; right, a gallery: query render, its 3 raw-space neighbours, its 3
    subspace neighbours (titles: category and Chamfer distance to the query)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(14, 1.6 * rows + 0.8))
    gs = fig.add_gridspec(rows, 9, width_ratios=[2.2, 0.75] + [1] * 7)
    ax = fig.add_subplot(gs[:, 0])
    x = np.arange(len(nn_summary))
    ax.bar(x - 0.2, 100 * nn_summary.same_category, 0.4, label="same category (%)")
    ax.bar(x + 0.2, 100 * nn_summary.same_subtype, 0.4, label="same sub-type (%)")
    ax.set_xticks(x, nn_summary.space)
    ax.set_ylabel("rate of the nearest neighbour (%)")
    ax2 = ax.twinx()
    ax2.plot(x, nn_summary.chamfer, "kD-", label="mean Chamfer")
    ax2.set_ylim(0, 1.15 * float(nn_summary.chamfer.max()))
    ax2.set_ylabel("mean Chamfer distance to the NN")
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=1)
    # gallery rows spread evenly over the (category-ordered) queries, so that they show different categories
    sel = np.unique(np.linspace(0, len(detail["queries"]) - 1, rows).round().astype(int))
    for r, k in enumerate(sel):
        q = int(detail["queries"][k])
        row = [(q, "query")] + [(int(j), "raw") for j in detail["raw 3D"][k]] + [(int(j), "sub") for j in detail["subspace"][k]]
        for c, (i, kind) in enumerate(row):
            a = fig.add_subplot(gs[r, 2 + c])
            a.imshow(images[i, 0])
            a.set_xticks([]), a.set_yticks([])
            title = categories[labels[i]]
            if kind != "query":
                title += f"\nCD {chamfer_distance(points[q], points[i]):.3f}"
            a.set_title(title, fontsize=6.5, color={"query": "black", "raw": "tab:blue", "sub": "tab:orange"}[kind])
            if r == 0:
                a.set_xlabel({"query": "query", "raw": "raw 3D NN", "sub": "subspace NN"}[kind], fontsize=7)
                a.xaxis.set_label_position("top")
    fig.suptitle("Nearest neighbours of test shapes: raw 3D space (blue) vs CCA subspace (orange)", fontsize=10)
    return fig


def loss_figure(histories: dict[str, np.ndarray]):
    """Training loss curves (3D pre-training and the text projection), one panel each."""
    import matplotlib.pyplot as plt

    names = list(histories)
    cols = min(3, max(1, len(names)))
    rows = int(math.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        h = np.asarray(histories[name], float)
        ax.plot(np.arange(1, len(h) + 1), h, lw=0.8)
        if len(h) > 20:
            w = max(2, len(h) // 20)
            ax.plot(np.arange(w, len(h) + 1), np.convolve(h, np.ones(w) / w, "valid"), lw=1.5)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig
