"""Paper 03's pipeline: PointNet classifier and corruption errors, renders, image–text zero-shot, Double
Roulette, and the data of the mapping networks (trained in :mod:`.mapping_train`).

Clouds are normalised (:func:`xmodal.data.corruptions.normalise`: bounding box centred, longest side 2)
everywhere — training, the corruption set and the renders — as ModelNet40-C's are. Variants are numbered
``0`` (clean) and ``1 + 5·c + (s − 1)`` for corruption ``c`` of :data:`~xmodal.data.corruptions.CORRUPTIONS`
at severity ``s`` (:data:`VARIANTS`, 76 in all).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from ... import runtime
from ...align.metrics import topk_accuracy
from ...cache import cached_arrays, code_hash
from ...data.corruptions import CORRUPTIONS, GROUPS, corrupt, normalise
from ...encoders.pointcloud import build_encoder
from ...encoders.pretrain3d import augment
from ...progress import progress
from ...runtime import numerics_key
from ...seed import make_rng, make_torch_generator, seeded_init
from ...train import cached_training, fit
from .settings import Settings

__all__ = ["VARIANTS", "variant_name", "double_roulette", "Classifier", "train_classifier", "train_classifiers",
           "ENCODER_NAMES", "features",
           "normalised_clouds", "eval_rows", "corruption_set", "corruption_table", "leaderboard", "fit_to_sphere",
           "render_clouds", "image_models", "embed_renders", "class_scores", "zeroshot_topk", "roulette_draws",
           "roulette_scores", "ImageTextModel",
           "zeroshot_table"]

#: the 76 variants: ("clean", 0) then (corruption, severity) for the 15 × 5
VARIANTS: tuple[tuple[str, int], ...] = (("clean", 0),) + tuple((c, s) for c in CORRUPTIONS for s in range(1, 6))
SOURCE_POINTS = 2048


def variant_name(v: int) -> str:
    c, s = VARIANTS[int(v)]
    return c if s == 0 else f"{c}-{s}"


def double_roulette(labels, n_variants: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Double Roulette sampling (the paper's Algorithm 1): a minimal test set of one object per class.

    labels: (n,) class of each object in the pool; n_variants: variants per object (clean + 15 × 5 = 76).
    For each class c (in increasing order) one object drawn uniformly among those of class c, then for each of
    them one variant drawn uniformly from ``0..n_variants-1``. Returns ``idx (C,)`` rows into ``labels`` (row c
    is of the c-th class) and ``variant (C,)``. All randomness from ``rng``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty (n,) array, got shape {labels.shape}")
    if int(n_variants) < 1:
        raise ValueError(f"n_variants must be >= 1, got {n_variants}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    classes = np.unique(labels)
    idx = np.array([rng.choice(np.flatnonzero(labels == c)) for c in classes], np.int64)
    variant = rng.integers(0, int(n_variants), size=len(classes)).astype(np.int64)
    return idx, variant


# ---------------------------------------------------------------------------------------- classifier

class Classifier(nn.Module):
    """A 3D encoder (:func:`xmodal.encoders.pointcloud.build_encoder`: PointNet by default) → its ``feat_dim``
    feature → linear classes. points (B, N, 3) → logits (B, n_classes); :meth:`features` → (B, feat_dim).
    ``encoder_kwargs``: the encoder's own sizes (PointNet: ``widths``, the default (64, 128, 256))."""

    def __init__(self, n_classes: int, feat_dim: int = 1024, widths=(64, 128, 256), arch: str = "pointnet",
                 encoder_kwargs: dict | None = None):
        super().__init__()
        kw = dict(encoder_kwargs) if encoder_kwargs is not None else ({"widths": tuple(widths)} if arch == "pointnet" else {})
        self.arch = arch
        self.encoder = build_encoder(arch, out_dim=int(feat_dim), **kw)
        self.fc = nn.Linear(int(feat_dim), int(n_classes))

    def features(self, points: torch.Tensor) -> torch.Tensor:
        return self.encoder(points)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.fc(self.encoder(points))


def normalised_clouds(points) -> np.ndarray:
    """(n, N, 3) → (n, N, 3) float32, each cloud normalised (bbox centred, longest side 2)."""
    return np.stack([normalise(p) for p in np.asarray(points)]).astype(np.float32)


def _classifier_params(pts: torch.Tensor, y: torch.Tensor, n_classes: int, settings: Settings, arch: str) -> dict:
    params = {"settings": [settings.pn_widths, settings.feat_dim, settings.pn_epochs, settings.pn_batch,
                           settings.pn_lr, settings.pn_points, settings.seed], "n_classes": int(n_classes),
              "data": [float(pts.double().sum()), list(pts.shape), int(y.sum())], "numerics": numerics_key(),
              "code": code_hash("xmodal.papers.pointspider.pipeline", "xmodal.encoders.pointcloud", "xmodal.train")}
    if arch != "pointnet":  # PointNet's key (and init stream) as before the other encoders joined
        params["encoder"] = [arch, sorted(settings.encoder_kwargs(arch).items())]
    return params


def train_classifier(points, labels, n_classes: int, settings: Settings, device="cpu", progress_bar: bool = True,
                     arch: str = "pointnet"):
    """Train the classifier with encoder ``arch`` (sizes :meth:`Settings.encoder_kwargs`) with cross-entropy on
    ``points (n, N, 3)`` (normalised) through :func:`xmodal.train.fit`; each step sees random ``pn_points``-point
    subsets with random anisotropic scaling and jitter (:func:`~xmodal.encoders.pretrain3d.augment`, no rotation,
    no bumps). Every encoder gets the same recipe (``pn_*``: epochs, batch, lr, points) and the same batches and
    augmentations (generators keyed by the seed, not the encoder). Cached on disk. Returns (model, History)."""
    pts = torch.as_tensor(np.asarray(points, np.float32))
    y = torch.as_tensor(np.asarray(labels, np.int64))
    params = _classifier_params(pts, y, n_classes, settings, arch)
    init_key = ("classifier",) if arch == "pointnet" else ("classifier", arch)

    def make():
        with seeded_init(settings.seed, "pointspider", *init_key):
            return Classifier(n_classes, settings.feat_dim, arch=arch, encoder_kwargs=settings.encoder_kwargs(arch))

    def train(model):
        g_aug = make_torch_generator(settings.seed, "pointspider", "classifier-aug")

        def loss_fn(batch, _step):
            x = augment(pts[batch], g_aug, n_out=min(settings.pn_points, pts.shape[1]), rotate=False, n_bumps=0)
            return nn.functional.cross_entropy(model(x.to(device)), y[batch].to(device))

        return fit(model, loss_fn, settings.pn_config(), n_items=len(pts), device=device,
                   generator=make_torch_generator(settings.seed, "pointspider", "classifier-batches"),
                   desc=f"{arch} classifier", progress_bar=progress_bar)

    model, hist, _ = cached_training("pointspider_classifier", params, make, train, device=device)
    return model, hist


_WORKER: dict = {}


def _pool_init(points, labels, n_classes, settings, device):
    _WORKER.update(points=points, labels=labels, n_classes=n_classes, settings=settings, device=device)


def _pool_job(arch: str) -> str:
    w = _WORKER
    with runtime.use(w["settings"].scale):  # one thread per worker: the bits of a serial run
        train_classifier(w["points"], w["labels"], w["n_classes"], w["settings"], w["device"], False, arch)
    return arch


def train_classifiers(points, labels, n_classes: int, settings: Settings, device="cpu", progress_bar: bool = True,
                      workers: int | None = None) -> dict:
    """:func:`train_classifier` for every encoder of ``settings.encoders``: ``{arch: (model, History)}``. The ones not
    cached yet train side by side in ``workers`` processes (:func:`xmodal.parallel.fill_cache`; each is seeded by its
    own arguments, so the bits are a serial run's), then every one is read back from the cache.

    Runs under the scale's runtime policy (:func:`xmodal.runtime.use`) like its workers: the cache key holds
    torch's thread count, so a caller with more threads would otherwise miss the workers' entries and train
    every encoder again itself, with other bits."""
    from ...cache import is_cached
    from ...parallel import fill_cache

    pts = np.asarray(points, np.float32)
    y = np.asarray(labels, np.int64)
    T, Y = torch.as_tensor(pts), torch.as_tensor(y)
    with runtime.use(settings.scale):
        fill_cache(list(settings.encoders),
                   lambda a: is_cached("pointspider_classifier", _classifier_params(T, Y, n_classes, settings, a)),
                   _pool_job, workers, desc="classifiers", unit="encoder", initializer=_pool_init,
                   initargs=(pts, y, int(n_classes), settings, str(device)))
        return {a: train_classifier(pts, y, n_classes, settings, device, progress_bar, a) for a in settings.encoders}


@torch.no_grad()
def features(model: Classifier, clouds, batch: int = 256, device="cpu") -> tuple[np.ndarray, np.ndarray]:
    """``(features (n, feat_dim), logits (n, n_classes))`` float32 of ``clouds (n, M, 3)`` (eval mode)."""
    model.eval()
    x = torch.as_tensor(np.asarray(clouds, np.float32))
    f, z = [], []
    for s in range(0, len(x), batch):
        h = model.features(x[s: s + batch].to(device))
        f.append(h.cpu())
        z.append(model.fc(h).cpu())
    return torch.cat(f).numpy(), torch.cat(z).numpy()


# ---------------------------------------------------------------------------------------- corruptions

def eval_rows(dataset, per_class: int) -> np.ndarray:
    """Dataset rows of the first ``per_class`` test objects of every class (by instance index), class order."""
    test = np.flatnonzero(dataset.mask("test"))
    rows = [test[dataset.labels[test] == c][:per_class] for c in range(len(dataset.categories))]
    return np.concatenate(rows)


def corruption_set(dataset, rows, settings: Settings, progress_bar: bool = True) -> dict:
    """The 76 variants of every object ``rows``: ``{v: (n, M_v, 3) float32}`` for v in 0..75 (cached).

    Per object: a 2048-point area-uniform sample of its mesh, normalised (the density_inc source); the clean
    cloud is a seeded random ``eval_points`` of it; every other variant is :func:`corrupt` of the clean cloud
    (density_inc: of the source; occlusion / lidar: of the mesh) with a generator keyed by (seed, object, variant).
    """
    rows = np.asarray(rows)
    params = {"world": dataset.key(), "rows": rows.tolist(), "n": settings.eval_points, "seed": settings.seed,
              "code": code_hash("xmodal.data.corruptions", "xmodal.papers.pointspider.pipeline")}

    def build():
        out = {v: [] for v in range(len(VARIANTS))}
        for i in progress(rows, desc="corrupt", unit="object", disable=not progress_bar):
            shape = dataset.shape(int(i))
            src = normalise(shape.sample_points(SOURCE_POINTS, seed=dataset.seed)[0])
            keep = make_rng(settings.seed, "pointspider", "clean", int(i)).choice(SOURCE_POINTS, settings.eval_points,
                                                                                  replace=False)
            clean = src[keep]
            out[0].append(clean.astype(np.float32))
            for v, (c, s) in enumerate(VARIANTS[1:], start=1):
                rng = make_rng(settings.seed, "pointspider", "corrupt", int(i), c, s)
                out[v].append(corrupt(src if c == "density_inc" else clean, c, s, rng, mesh=shape.mesh))
        return {f"v{v}": np.stack(x) for v, x in out.items()}

    a = cached_arrays("pointspider_corruptions", params, build)
    return {v: a[f"v{v}"] for v in range(len(VARIANTS))}


def corruption_table(model: Classifier, cset: dict, labels, device="cpu", outputs: dict | None = None) -> pd.DataFrame:
    """Error (1 − top-1, as a fraction) per variant: columns corruption, group, severity, error, n.
    ``outputs``: ``{v: features(model, cset[v])}`` when the caller has them already (they are not recomputed)."""
    labels = np.asarray(labels)
    rows = []
    for v, clouds in cset.items():
        c, s = VARIANTS[v]
        logits = (outputs[v] if outputs is not None else features(model, clouds, device=device))[1]
        acc = zeroshot_topk(logits, labels, 1)
        group = "clean" if c == "clean" else next(g for g, cs in GROUPS.items() if c in cs)
        rows.append({"corruption": c, "group": group, "severity": s, "error": 1.0 - acc, "n": len(labels)})
    return pd.DataFrame(rows)


ENCODER_NAMES = {"pointnet": "PointNet (world, ours)", "pointbert": "mini-PointBERT (world, ours)",
                 "dgcnn": "DGCNN (world, ours)"}


def leaderboard(tables, name: str = "PointNet (world, ours)", train_loss: dict | None = None) -> pd.DataFrame:
    """ModelNet40-C leaderboard analogue: our mCE (mean error over the 75 variants) and clean error (%) per
    encoder, beside the paper's leaderboard (standard training). ``tables``: one :func:`corruption_table` (named
    ``name``) or ``{arch: table}`` (named by :data:`ENCODER_NAMES`); ``train_loss``: ``{arch: mean training
    cross-entropy of the last epoch}`` (how far each classifier got; chance is ln 40 ≈ 3.7), NaN when not given."""
    from .paper import LEADERBOARD

    tables = tables if isinstance(tables, dict) else {name: tables}
    rows = []
    for key, table in tables.items():
        corr = table[table["corruption"] != "clean"]
        rows.append({"model": ENCODER_NAMES.get(key, key), "mCE (%)": 100 * corr["error"].mean(),
                     "clean error (%)": 100 * float(table.loc[table["corruption"] == "clean", "error"].iloc[0]),
                     "train loss (last epoch)": float((train_loss or {}).get(key, float("nan"))),
                     "source": "ours (world)"})
    rows += [{"model": k, "mCE (%)": v[0], "clean error (%)": v[1], "source": "ModelNet40-C paper"}
             for k, v in LEADERBOARD.items()]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------- renders

def fit_to_sphere(points) -> np.ndarray:
    """(M, 3) → (M, 3) float64: centred on its bounding box and scaled into the unit sphere (radius 0.95), the
    framing the project renderer's cameras expect."""
    p = np.asarray(points, np.float64)
    p = p - (p.max(0) + p.min(0)) / 2
    return p * (0.95 / max(float(np.linalg.norm(p, axis=1).max()), 1e-9))


def render_clouds(clouds, resolution: int, backend: str = "numpy", **kw) -> np.ndarray:
    """(n, H, W, 3) uint8 renders of clouds (a list or (n, M, 3)) as shaded spheres, ring12 view 0, grey."""
    from ...world import render

    return np.stack([render(fit_to_sphere(p), resolution=resolution, views=[0], backend=backend, **kw).rgb[0]
                     for p in clouds])


# ------------------------------------------------------------------------------------ image–text models

@dataclass
class ImageTextModel:
    """One of notebook 02's trained heads with its evaluation RFF (None for CLIP) and class features (C, dim)."""

    name: str
    trained: object
    rff: object
    class_feats: torch.Tensor


def image_models(settings: Settings, feats, device="cpu", progress_bar: bool = True) -> dict:
    """Train notebook 02's heads ``settings.models`` (:func:`xmodal.papers.wpce.train_heads`, its code path) on its
    cached frozen features ``feats`` and build their zero-shot class features for the prompt :data:`~.settings.PROMPT`."""
    from .. import wpce

    ws = settings.wpce_settings()
    out = {}
    for m in settings.models:
        tr = wpce.train_heads(m, feats, ws, settings.seed, device=device, progress_bar=progress_bar)
        rff = None if tr.is_clip else tr.rff(ws.n_features_zeroshot,
                                             make_torch_generator(settings.seed, "pointspider", "rff", m))
        out[m] = ImageTextModel(wpce.VARIANTS[m].label, tr, rff, wpce.class_features(tr, feats, rff))
    return out


def embed_renders(models: dict, feats, images, resize: int | None = None, progress_bar: bool = False) -> dict:
    """Image features of ``images (n, H, W, 3) uint8`` for every model: {name: (n, dim) float32 tensor}.

    The frozen EfficientNet-Lite0 tokens ([pooled, patches], as :func:`xmodal.papers.wpce.load_features`) are
    swapped into a copy of ``feats`` so that :func:`xmodal.papers.wpce.image_features` runs unchanged."""
    from ...encoders.image import EfficientNetLite0
    from .. import wpce

    enc = EfficientNetLite0(resize=resize)(np.asarray(images), tokens=True, progress=progress_bar)
    tok = np.concatenate([enc.pooled[:, None, :], enc.tokens], axis=1).astype(np.float32)
    n = len(tok)
    f2 = dataclasses.replace(feats, img_tokens=tok, img_pooled=enc.pooled.astype(np.float32),
                             img_label=np.zeros(n, np.int64), img_split=np.zeros(n, np.int8),
                             img_instance=np.zeros(n, np.int64), img_view=None)
    return {k: wpce.image_features(m.trained, f2, np.arange(n), m.rff) for k, m in models.items()}


def class_scores(model: ImageTextModel, image_feats) -> np.ndarray:
    """(n, C) float64 zero-shot scores ⟨image feature, class feature⟩."""
    return (torch.as_tensor(image_feats).double() @ model.class_feats.double().T).numpy()


def zeroshot_topk(scores, labels, k: int) -> float:
    """Top-k accuracy of (n, C) ``scores`` against ``labels`` with the rule of
    :func:`xmodal.align.metrics.topk_accuracy` (ties count as misses): a hit when fewer than k other classes
    score ≥ the true class. (For one object per class in class order this *is* ``topk_accuracy(scores, k)``.)"""
    S = np.asarray(scores, np.float64)
    y = np.asarray(labels, np.int64)
    true = S[np.arange(len(y)), y]
    return float(np.mean((S >= true[:, None]).sum(1) - 1 < int(k)))


def roulette_draws(pool_labels, n_variants: int, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The ``settings.draws`` Double Roulette test sets (the same for every model): (draws, C) idx and variant."""
    rng = make_rng(settings.seed, "pointspider", "double-roulette")
    d = [double_roulette(pool_labels, n_variants, rng) for _ in range(settings.draws)]
    return np.stack([a for a, _ in d]), np.stack([b for _, b in d])


def roulette_scores(scores, idx, variant) -> dict:
    """Top-1 / top-3 (draws,) of one model on given draws; scores (n_pool, 76, C)."""
    t1 = np.array([topk_accuracy(scores[i, v], 1) for i, v in zip(idx, variant)])
    t3 = np.array([topk_accuracy(scores[i, v], 3) for i, v in zip(idx, variant)])
    return {"top1": t1, "top3": t3}


def zeroshot_table(models: dict, rows: dict, open_clip_status: dict) -> pd.DataFrame:
    """Table II analogue: one row per model and test set; ``rows[model]`` = {set name: (top1, top3)}; the
    paper's open_clip models with their status (e.g. "weights not available") and the paper's values."""
    from .paper import PAPER

    out = []
    for m, sets in rows.items():
        for s, (t1, t3) in sets.items():
            out.append({"model": models[m].name, "test set": s, "top-1": t1, "top-3": t3, "paper top-1": None,
                        "paper top-3": None, "status": "trained here (notebook 02's heads)"})
    for name, status in open_clip_status.items():
        p1, p3 = PAPER["table2"][name]
        out.append({"model": name, "test set": "Double Roulette (40 renders)", "top-1": None, "top-3": None,
                    "paper top-1": p1, "paper top-3": p3, "status": status})
    return pd.DataFrame(out)
