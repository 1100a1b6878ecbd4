"""The run of notebook 01, part 1: features, CKA (Fig. 2) and the alignment runs (Table 1).

1. :func:`encode_all`      frozen text / image features, the multi-modal text encoder (MiniLM + a
                           contrastive projection, :mod:`xmodal.encoders.text_projection`) and the uni- and
                           multi-modal 3D encoders (:func:`xmodal.encoders.pretrain3d.encoder_run`) →
                           :class:`Features`. The pipeline's entry: it applies the scale's runtime policy.
2. :func:`cka_table`       linear / debiased / RBF CKA of every 3D × text pair and the image–text reference,
                           each next to its chance level (pairs shuffled).
3. :func:`alignment_runs`  Table 1: protocol × pair × method × seed → matching and top-k retrieval accuracy.
   :func:`protocol_blocks` draws the anchors and query blocks of a protocol (standard, held-out
   categories, within-category).

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
from .settings import PROTOCOLS, Settings

__all__ = ["METHODS", "METHOD_LABELS", "FULL", "SUB", "THREED_LABELS", "TEXT_LABELS", "IMAGE_KEY", "IMAGE_LABEL",
           "Features", "frozen_features", "encode_all", "cka_table", "cka_value", "cka_seeds", "cka_mean",
           "split_indices", "protocol_blocks", "scores", "score_methods", "score_blocks", "alignment_runs",
           "summarise", "table1", "loss_plateau", "plateau_table"]

METHODS = ("none", "affine", "local_cka", "subspace_affine", "subspace_local_cka", "subspace_local_cka_rbf")
METHOD_LABELS = {"none": "none", "affine": "affine", "local_cka": "local CKA",
                 "subspace_affine": "subspace + affine", "subspace_local_cka": "subspace + local CKA",
                 "subspace_local_cka_rbf": "subspace + local CKA (RBF)"}
#: the RBF variant (claim 01-7) is run under the standard protocol only
PROTOCOL_METHODS = {"standard": METHODS, "heldout_categories": METHODS[:5], "within_category": METHODS[:5]}
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
    histories: loss curves {name: (steps,)}; captions: (N,) the evaluated captions; threed_seeds:
    {seed: {key: (N, 512)}} the 3D embeddings of every training seed (``threed`` is the first seed's;
    :meth:`at` gives the features of one seed).
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
    threed_seeds: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    plateau: pd.DataFrame | None = None

    def at(self, seed: int) -> "Features":
        """These features with the 3D encoders trained with ``seed`` (KeyError naming the trained seeds)."""
        if not self.threed_seeds:
            return self
        if seed not in self.threed_seeds:
            raise KeyError(f"no 3D encoders trained with seed {seed}; trained: {sorted(self.threed_seeds)}")
        from dataclasses import replace

        return replace(self, threed=self.threed_seeds[seed])

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


def loss_plateau(loss, window: float = 0.2) -> float:
    """Relative drop of the training loss over the last ``window`` of the steps: (m_prev − m_last) / |m_last|
    with m_last, m_prev the mean loss over the last and the previous ``window`` fraction of the steps
    (loss: (steps,)). The registered plateau rule (:data:`.paper.LOSS_PLATEAU`) compares it with a tolerance."""
    loss = np.asarray(loss, np.float64).ravel()
    if not 0 < window <= 0.5:
        raise ValueError(f"window must be in (0, 0.5]; got {window}")
    w = max(1, int(round(window * len(loss))))
    if len(loss) < 2 * w:
        raise ValueError(f"need at least {2 * w} steps for a plateau check; got {len(loss)}")
    last, prev = loss[-w:].mean(), loss[-2 * w:-w].mean()
    return float((prev - last) / max(abs(last), 1e-12))


def plateau_table(histories: dict, keys: dict, caps: dict | None = None) -> pd.DataFrame:
    """One row per 3D training run, the registered loss-plateau check (:data:`.paper.LOSS_PLATEAU`).

    histories: {name: :class:`xmodal.train.History` or a (steps,) loss array}; keys: {name: (encoder key,
    seed)}; caps: {name: the run's step cap}. Columns: encoder, seed, steps, cap, final_loss (training loss, mean
    of the last 20 % of the steps), last_window_drop (:func:`loss_plateau`), plateau_stop (a History with the
    trainer's plateau stop: True when it ended the run before the cap), best_step, val_loss (the monitored
    held-out loss at the best step) and plateau: the check — the stop when the run had one, else
    last_window_drop <= rel_tol."""
    from .paper import LOSS_PLATEAU

    rows = []
    for name, (key, seed) in keys.items():
        h = histories[name]
        loss = np.asarray(getattr(h, "loss", h), np.float64)
        drop = loss_plateau(loss, LOSS_PLATEAU["window"])
        stop = getattr(h, "best_step", None) is not None
        val = {s: d.get("val_loss", np.nan) for s, d in getattr(h, "evals", [])}
        row = {"encoder": key, "seed": seed, "steps": len(loss), "cap": (caps or {}).get(name, len(loss)),
               "final_loss": float(np.mean(loss[-max(1, len(loss) // 5):])), "last_window_drop": drop}
        if stop:
            row |= {"plateau_stop": bool(h.stopped), "best_step": int(h.best_step),
                    "val_loss": float(val.get(h.best_step, np.nan)), "plateau": bool(h.stopped)}
        else:
            row["plateau"] = bool(drop <= LOSS_PLATEAU["rel_tol"])
        rows.append(row)
    return pd.DataFrame(rows)


def encode_all(ds, settings: Settings, progress_bar: bool = True) -> Features:
    """Every embedding of the study for dataset ``ds`` (a :class:`xmodal.data.WorldDataset`), cached.

    The pipeline's entry: runs under ``xmodal.runtime.use(settings.scale)``. Text and image:
    :func:`frozen_features`. 3D: uni-modal backbones ``settings.archs`` and multi-modal backbones
    ``settings.mm_archs``, each trained once per seed of ``settings.seeds`` by
    :func:`xmodal.encoders.pretrain3d.encoder_runs` (``settings.workers`` processes; multi-modal targets:
    its default, the frozen MiniLM level-4 caption features averaged over the paraphrases and the
    EfficientNet render features averaged over the views, shared with the other notebooks through the
    cache); all trained on the train split only. Wall times per step go to ``Features.timings``, the
    loss-plateau check of every run to ``Features.plateau``.
    """
    from ...encoders import pretrain3d

    with runtime.use(settings.scale):
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        fr = frozen_features(ds, settings, progress_bar)
        timings["frozen encoders + text projection"] = time.perf_counter() - t0
        histories = {"MiniLM+proj (InfoNCE vs renders)": fr["mmtext_history"]}
        jobs, keys, conf = [], [], {}
        for mode, archs in (("unimodal", settings.archs), ("multimodal", settings.mm_archs)):
            for arch in archs:
                if settings.pretrain:
                    conf[(arch, mode)] = settings.pretrain_settings(arch, mode)
                for s in settings.seeds:
                    jobs.append((arch, mode, s))
                    keys.append((f"{arch}-{'uni' if mode == 'unimodal' else 'multi'}", s))
        t0 = time.perf_counter()
        out = pretrain3d.encoder_runs(jobs, ds, settings.scale, workers=settings.workers, settings=conf or None)
        timings[f"3D encoders ({len(jobs)} runs, {settings.workers} worker(s))"] = time.perf_counter() - t0
        seeds: dict[int, dict[str, np.ndarray]] = {s: {} for s in settings.seeds}
        names, runs, caps = {}, {}, {}
        n_train = int(np.asarray(ds.mask("train")).sum())
        for (key, s), (arch, mode, _), (emb, hist) in zip(keys, jobs, out):
            seeds[s][key] = np.asarray(emb, np.float32)
            name = f"{THREED_LABELS[key]} seed {s}"
            histories[name] = np.asarray(hist.loss, np.float32)
            names[name], runs[name] = (key, s), hist
            ps = conf.get((arch, mode)) or pretrain3d.PretrainSettings.for_scale(settings.scale, arch, mode)
            n_fit = n_train - (min(n_train - 2, max(2, int(round(ps.monitor_frac * n_train)))) if ps.patience else 0)
            caps[name] = ps.train_config().total_steps(n_fit)
    return Features(threed=seeds[settings.seeds[0]],
                    text={"minilm": fr["minilm"][:, 0], "glove": fr["glove"], "mmtext": fr["mmtext"]},
                    image=fr["effnet"].mean(1), labels=np.asarray(ds.labels), subtypes=np.asarray(ds.subtypes),
                    split=np.asarray(ds.split), points=np.asarray(ds.points), captions=fr["captions"],
                    histories=histories, timings=timings, threed_seeds=seeds,
                    plateau=plateau_table(runs, names, caps))


# ------------------------------------------------------------------------------------------------
# CKA (Fig. 2)
# ------------------------------------------------------------------------------------------------
def cka_table(feats: Features, settings: Settings, split: str = "heldout") -> pd.DataFrame:
    """CKA of every 3D × text pair and of the image–text reference, with chance levels.

    Computed on the held-out shapes (val + test: nothing trained here saw them; ``split='all'`` for all).
    Rows: seed (of the 3D encoders; the image row is repeated per seed), x (3D or image key), y (text key),
    kernel in {linear, debiased, rbf}, cka, chance, chance_std, n. Chance: the same CKA with the rows of Y
    shuffled (``settings.cka_perm`` permutations, seeded).
    """
    if split == "heldout":
        m = feats.split >= 1
    elif split == "all":
        m = np.ones(len(feats.labels), bool)
    else:
        raise ValueError(f"split must be 'heldout' or 'all'; got {split!r}")
    ys = {k: v[m] for k, v in feats.text.items()}
    n = int(m.sum())
    rng = make_rng(settings.seed, "cka_chance")
    perms = [rng.permutation(n) for _ in range(settings.cka_perm)]
    grams = {k: gram_rbf(v) for k, v in ys.items()}
    grams[IMAGE_KEY] = gram_rbf(feats.image[m])
    memo: dict = {}
    rows = []
    for seed in settings.seeds:
        f = feats.at(seed)
        xs = {**{k: v[m] for k, v in f.threed.items()}, IMAGE_KEY: feats.image[m]}
        for xk, X in progress(list(xs.items()), desc=f"CKA seed {seed}", unit="encoder"):
            K = grams[IMAGE_KEY] if xk == IMAGE_KEY else gram_rbf(X)
            for yk, Y in ys.items():
                for kernel, deb in (("linear", False), ("debiased", True), ("rbf", False)):
                    if xk == IMAGE_KEY and (yk, kernel) in memo:  # no training: the same on every seed
                        val, ch = memo[(yk, kernel)]
                    elif kernel == "rbf":
                        L = grams[yk]
                        val = cka_from_grams(K, L)
                        ch = np.array([cka_from_grams(K, L[p][:, p]) for p in perms])
                    else:
                        val = cka(X, Y, debiased=deb)
                        ch = np.array([cka(X, Y[p], debiased=deb) for p in perms])
                    if xk == IMAGE_KEY:
                        memo[(yk, kernel)] = (val, ch)
                    rows.append({"seed": seed, "x": xk, "y": yk, "kernel": kernel, "cka": val,
                                 "chance": float(ch.mean()), "chance_std": float(ch.std()), "n": n})
    return pd.DataFrame(rows)


def cka_mean(cka_df: pd.DataFrame) -> pd.DataFrame:
    """:func:`cka_table` averaged over the seeds: one row per (x, y, kernel), order kept."""
    if "seed" not in cka_df:
        return cka_df
    g = cka_df.groupby(["x", "y", "kernel"], sort=False)
    return g[["cka", "chance", "chance_std"]].mean().join(g.n.first()).join(
        g.cka.std(ddof=1).rename("cka_seed_std")).reset_index()


def cka_seeds(cka_df: pd.DataFrame, x: str, y: str, kernel: str, col: str = "cka") -> np.ndarray:
    """(S,) one cell of :func:`cka_table` per seed (seed order); KeyError when absent."""
    r = cka_df[(cka_df.x == x) & (cka_df.y == y) & (cka_df.kernel == kernel)]
    if not len(r):
        raise KeyError(f"no CKA row for ({x}, {y}, {kernel})")
    return (r.sort_values("seed") if "seed" in r else r)[col].to_numpy(np.float64)


def cka_value(cka_df: pd.DataFrame, x: str, y: str, kernel: str, col: str = "cka") -> float:
    """One cell of :func:`cka_table` (``col`` in cka, chance, chance_std), the mean over seeds; KeyError
    when absent."""
    return float(cka_seeds(cka_df, x, y, kernel, col).mean())


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


def protocol_blocks(split: np.ndarray, labels: np.ndarray, settings: Settings, seed: int,
                    protocol: str = "standard") -> tuple[np.ndarray, list[np.ndarray]]:
    """(anchors_idx, [query blocks]) of one alignment protocol for seed ``seed``; anchors never meet queries.

    standard: :func:`split_indices` (anchors: all train+val; one block of ``n_queries`` random test shapes).
    heldout_categories: ``settings.heldout_categories`` categories drawn per seed; anchors: the train+val
    shapes of the OTHER categories; one block of up to ``n_queries`` test shapes of the held-out categories
    (no category has both anchors and queries). within_category: anchors all train+val; one block per
    category holding all its test shapes (every query of a block shares its category; blocks with < 2
    shapes are dropped). ValueError for an unknown protocol or too many held-out categories.
    """
    split, labels = np.asarray(split), np.asarray(labels)
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}; got {protocol!r}")
    if protocol == "standard":
        a, q = split_indices(split, settings, seed)
        return a, [q]
    cats = np.unique(labels)
    test = split == 2
    if protocol == "within_category":
        blocks = [np.flatnonzero(test & (labels == c)) for c in cats]
        return np.flatnonzero(split <= 1), [b for b in blocks if len(b) >= 2]
    k = settings.heldout_categories
    if not 1 <= k < len(cats):
        raise ValueError(f"heldout_categories must be in 1..{len(cats) - 1} (there are {len(cats)} categories); got {k}")
    rng = make_rng(seed, "platos_cave", "heldout_categories")
    held = np.sort(rng.choice(cats, k, replace=False))
    a = np.flatnonzero((split <= 1) & ~np.isin(labels, held))
    pool = np.flatnonzero(test & np.isin(labels, held))
    if len(pool) < 2:
        raise ValueError(f"the held-out categories have {len(pool)} test shapes; need at least 2")
    q = np.sort(rng.choice(pool, min(settings.n_queries, len(pool)), replace=False))
    return a, [q]


def score_blocks(X, Y, anchors: np.ndarray, blocks, methods=METHODS, d: int = 50, reg: float = 1e-3,
                 direction: str = "text_to_3d", rng=None) -> list[dict[str, np.ndarray]]:
    """[{method: (Q_b, Q_b) score matrix}] per query block, all blocks sharing the anchors' fit.

    Every method scores a pair (i, j) from the anchors and the two rows alone, so the scores of all blocks
    are one :func:`score_methods` call on the concatenated queries, cut into the diagonal blocks (exact)."""
    blocks = [np.asarray(b) for b in blocks]
    S = score_methods(X, Y, anchors, np.concatenate(blocks), methods, d=d, reg=reg, direction=direction, rng=rng)
    ends = np.cumsum([0] + [len(b) for b in blocks])
    return [{m: S[m][s:e, s:e] for m in methods} for s, e in zip(ends[:-1], ends[1:])]


def block_scores(blocks_S: list[np.ndarray]) -> dict[str, float]:
    """Accuracies of several query blocks: the mean over blocks of :func:`scores` (each block counts once)."""
    per = [scores(S) for S in blocks_S]
    return {k: float(np.mean([p[k] for p in per])) for k in per[0]}


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


def alignment_runs(feats: Features, settings: Settings, pairs=None, methods=None,
                   direction: str = "text_to_3d", protocol: str = "standard") -> pd.DataFrame:
    """Table 1 runs: one row per (protocol, 3D key, text key, method, seed) with matching, top1, top5, top10
    (means over the protocol's query blocks), the number of anchors, queries and blocks. Seed k uses the 3D
    encoders trained with seed k and the split of seed k. d = ``settings.d`` capped at min(p, q) (column
    ``d``). methods: default :data:`PROTOCOL_METHODS` of the protocol."""
    pairs = feats.pairs if pairs is None else list(pairs)
    methods = PROTOCOL_METHODS[protocol] if methods is None else tuple(methods)
    rows = []
    for seed in settings.seeds:
        f = feats.at(seed)
        a, blocks = protocol_blocks(feats.split, feats.labels, settings, seed, protocol)
        for xk, yk in progress(pairs, desc=f"alignment {protocol} seed {seed}", unit="pair"):
            X, Y = f.threed[xk], f.text[yk]
            d = min(settings.d, X.shape[1], Y.shape[1])
            S = score_blocks(X, Y, a, blocks, methods, d=d, reg=settings.cca_reg, direction=direction,
                             rng=make_rng(seed, "none", xk, yk))
            for meth in methods:
                rows.append({"protocol": protocol, "x": xk, "y": yk, "method": meth, "seed": seed, "d": d,
                             "n_anchors": len(a), "n_queries": int(sum(len(b) for b in blocks)),
                             "n_blocks": len(blocks), **block_scores([b[meth] for b in S])})
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame, by=None, metrics=("matching", "top1", "top5", "top10")) -> pd.DataFrame:
    """Mean and std (ddof=0) over seeds: columns ``<metric>`` and ``<metric>_std``. by: default
    (protocol, x, y, method), without protocol when the runs have none."""
    if by is None:
        by = ("protocol", "x", "y", "method") if "protocol" in runs else ("x", "y", "method")
    g = runs.groupby(list(by), sort=False)[list(metrics)]
    return g.mean().join(g.std(ddof=0).add_suffix("_std")).reset_index()


def table1(summary: pd.DataFrame, metrics=("matching", "top5"), protocol: str = "standard") -> pd.DataFrame:
    """Table 1 analogue for one protocol: rows (3D, text), columns method × metric as 'mean ± std' in percent."""
    if "protocol" in summary:
        summary = summary[summary.protocol == protocol]
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
