"""Paper 04's run as functions: frozen features → heads trained by :func:`xmodal.train.fit` → evaluation.

:func:`load_features` encodes the world once (cached by the encoders); :func:`train` fits one method for one
seed (the same batches, caption draws and initial projections for every method of a seed); :func:`evaluate`
measures retrieval, zero-shot and the hierarchy probes of one trained model; :func:`run` does the main
comparison (every method × seed) and the curvature sweep (MERU with fixed c and ATMG, every c × seed) under
the scale's runtime policy and returns a :class:`Results`.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import torch

from ... import runtime
from ...hyperbolic import lorentz as L
from ...cache import code_hash
from ...encoders.base import hash_inputs
from ...runtime import numerics_key
from ...seed import make_torch_generator
from ...train import History, cached_training, fit
from . import metrics as M
from .heads import EmbeddingHeads, build_heads
from .losses import atmg_loss, clip_loss, meru_loss
from .settings import Settings

__all__ = ["Features", "load_features", "Trained", "train", "embed", "evaluate", "Results", "run", "run_sweep", "summary"]


@dataclass
class Features:
    """Frozen, standardised features of the world.

    img: (n_img, 1280) float32 (views ``< settings.views``); img_inst / img_view: (n_img,) instance and view;
    txt: (n_txt, 384) float32 MiniLM of the unique texts ``texts``; cap_ids: (N, 5, P) caption text ids per
    instance, level and paraphrase; prompt_ids: (C, T); node_ids: {WordNet node: text id of "a {node}"};
    edges: [(parent, child)] of the taxonomy; tree: (C, C) tree distances; labels / split: (N,).
    """

    img: np.ndarray
    img_inst: np.ndarray
    img_view: np.ndarray
    txt: np.ndarray
    texts: np.ndarray
    cap_ids: np.ndarray
    prompt_ids: np.ndarray
    node_ids: dict
    edges: list
    tree: np.ndarray
    labels: np.ndarray
    split: np.ndarray
    categories: tuple
    info: dict = field(default_factory=dict)

    def test_instances(self) -> np.ndarray:
        return np.flatnonzero(self.split == 2)

    @cached_property
    def key(self) -> dict:
        """Hashes of the arrays a training run reads (part of :func:`train_key`; computed once per object)."""
        return {k: hash_inputs(np.ascontiguousarray(getattr(self, k)))
                for k in ("img", "txt", "cap_ids", "img_inst", "img_view", "split")}

    def image_row(self, inst: np.ndarray, view: int = 0) -> np.ndarray:
        """Image rows of instances ``inst`` at ``view``."""
        lookup = {(int(i), int(v)): r for r, (i, v) in enumerate(zip(self.img_inst, self.img_view))}
        return np.array([lookup[(int(i), view)] for i in inst])


def _standardise(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    mu, sd = X[rows].mean(0), X[rows].std(0) + 1e-6
    return ((X - mu) / sd).astype(np.float32)


def load_features(settings: Settings, dataset=None, progress_bar: bool = True) -> Features:
    """Encode images (EfficientNet-Lite0, pooled) and texts (MiniLM, pooled; captions of levels 0–4, prompts,
    "a {node}" for every WordNet node) under the scale's runtime policy; the encoders cache on disk.
    ``settings.max_instances`` subsamples the world (a fixed, stratified choice)."""
    from ...data import world_dataset
    from ...encoders.image import EfficientNetLite0
    from ...encoders.text import MiniLM
    from ...world import CATEGORIES

    with runtime.use(settings.scale):
        ds = dataset if dataset is not None else world_dataset(settings.scale, seed=settings.data_seed)
        if ds.images is None or ds.images.shape[1] < settings.views:
            raise ValueError(f"the world has no renders with {settings.views} views; rebuild it with views >= "
                             f"{settings.views} or lower Settings.views")
        keep = np.arange(len(ds))
        if settings.max_instances and settings.max_instances < len(ds):
            per = max(1, settings.max_instances // len(ds.categories))
            keep = np.concatenate([np.flatnonzero(ds.labels == c)[:per] for c in range(len(ds.categories))])
        N, V, P = len(keep), settings.views, settings.paraphrases
        t0 = time.perf_counter()
        imgs = np.ascontiguousarray(ds.images[keep, :V]).reshape(-1, *ds.images.shape[2:])
        img = EfficientNetLite0()(imgs, progress=progress_bar).pooled
        t_img = time.perf_counter() - t0
        caps = np.stack([np.asarray(ds.captions[lv])[keep, :P] for lv in range(5)], 1)  # (N, 5, P)
        prompts = np.array([[t.format(c.replace("_", " ")) for t in settings.templates] for c in ds.categories])
        nodes = sorted({n for c in CATEGORIES for n in c.taxonomy})
        node_txt = np.array([f"a {n.replace('_', ' ')}" for n in nodes])
        texts, inv = np.unique(np.concatenate([caps.ravel(), prompts.ravel(), node_txt]).astype(str),
                               return_inverse=True)
        t0 = time.perf_counter()
        txt = MiniLM()(list(texts), progress=progress_bar).pooled
        t_txt = time.perf_counter() - t0
    inv = inv.reshape(-1)
    cap_ids = inv[: caps.size].reshape(caps.shape)
    prompt_ids = inv[caps.size: caps.size + prompts.size].reshape(prompts.shape)
    node_ids = dict(zip(nodes, inv[caps.size + prompts.size:].tolist()))
    edges = sorted({(a, b) for c in CATEGORIES for a, b in zip(c.taxonomy[:-1], c.taxonomy[1:])})
    split = np.asarray(ds.split)[keep]
    img_inst = np.repeat(np.arange(N), V)
    train_img = np.flatnonzero(split[img_inst] == 0)
    train_txt = np.unique(cap_ids[split == 0][:, list(settings.train_levels)])
    return Features(img=_standardise(img, train_img), img_inst=img_inst, img_view=np.tile(np.arange(V), N),
                    txt=_standardise(txt, train_txt), texts=texts, cap_ids=cap_ids, prompt_ids=prompt_ids,
                    node_ids=node_ids, edges=edges, tree=M.tree_distances([c.taxonomy for c in CATEGORIES]),
                    labels=np.asarray(ds.labels)[keep], split=split, categories=tuple(ds.categories),
                    info={"instances": N, "images": len(img), "texts": len(texts), "seconds_images": t_img,
                          "seconds_texts": t_txt})


@dataclass
class Trained:
    """One trained model: method, seed, its heads (eval mode) and the trainer's history."""

    method: str
    seed: int
    heads: EmbeddingHeads
    history: History

    @property
    def curv(self) -> float:
        return float(self.heads.curv().detach())


def _loss(method: str, heads: EmbeddingHeads, x, y, s: Settings):
    c, sc = heads.curv(), heads.scale()
    if method == "clip":
        return clip_loss(x, y, sc), {}
    if method == "meru":
        return meru_loss(x, y, sc, c, s.entail_weight, s.aperture_K)
    beta = "pi_minus_alpha" if method == "atmg_beta" else "code"
    lam = s.centroid_lambda if method == "atmg_centroid" else 0.0
    return atmg_loss(x, y, sc, c, beta, s.atmg_angle_weight, lam, s.centroid_p, s.centroid_q)


#: the settings that do not change one training run (they list runs or configure other parts)
_NOT_TRAINING = ("seeds", "sweep_seeds", "curvatures", "methods", "prop_points", "prop_steps", "prop_samples")


def train_key(method: str, feats: Features, settings: Settings, seed: int, curv, learn_curv, track: bool,
              device="cpu") -> dict:
    """The cache parameters of one :func:`train` run: everything that changes its bits."""
    return {"method": method, "seed": int(seed), "curv": None if curv is None else float(curv),
            "learn_curv": learn_curv, "track": bool(track), "device": str(torch.device(device)),
            "settings": {k: v for k, v in asdict(settings).items() if k not in _NOT_TRAINING},
            "features": feats.key, "numerics": numerics_key(),
            "code": code_hash("xmodal.papers.hyperbolic_gap.pipeline", "xmodal.papers.hyperbolic_gap.heads",
                              "xmodal.papers.hyperbolic_gap.losses", "xmodal.papers.hyperbolic_gap.metrics",
                              "xmodal.hyperbolic", "xmodal.contrastive", "xmodal.train", "xmodal.seed")}


def train(method: str, feats: Features, settings: Settings, seed: int, curv: float | None = None,
          learn_curv: bool | None = None, track: bool = False, device="cpu", progress_bar: bool = True) -> Trained:
    """Fit one method's heads on training image–caption pairs with :func:`xmodal.train.fit`.

    Each step takes ``batch_size`` training images (epoch-wise permutations from a generator of ``seed``)
    and one caption of each image's instance drawn uniformly from levels ``train_levels`` × paraphrases
    (a second generator of ``seed``): every method of a seed sees the same pairs. ``track``: every
    ``eval_every`` steps record the mean matched distance and the image spread on test pairs (claim 04-3).
    Heads and history are cached on disk (``hyperbolic_gap_heads``, :func:`train_key`)."""
    s = settings

    def make():
        return build_heads(method, feats.img.shape[1], feats.txt.shape[1], s, seed, curv, learn_curv)

    def run(heads):
        rows = torch.from_numpy(np.flatnonzero(feats.split[feats.img_inst] == 0))
        img, txt = torch.from_numpy(feats.img).to(device), torch.from_numpy(feats.txt).to(device)
        pool = torch.from_numpy(feats.cap_ids[:, list(s.train_levels)].reshape(len(feats.cap_ids), -1))
        inst = torch.from_numpy(feats.img_inst)
        g_cap = make_torch_generator(seed, "hyperbolic_gap", "captions")
        te = feats.test_instances()
        te_img = torch.from_numpy(feats.image_row(te)).to(device)
        te_txt = torch.from_numpy(feats.cap_ids[te, s.retrieval_level, 0]).to(device)

        def loss_fn(batch, _step):
            r = rows[batch]
            k = torch.randint(0, pool.shape[1], (len(r),), generator=g_cap)
            t = pool[inst[r], k]
            return _loss(method, heads, heads.text(txt[t.to(device)]), heads.image(img[r.to(device)]), s)

        def eval_fn(_step):
            x, y = heads.text(txt[te_txt]), heads.image(img[te_img])
            pair, sp = M.spread(x, y, heads.curv()) if heads.geometry == "lorentz" else (np.nan, np.nan)
            return {"pair_dist": pair, "image_spread": sp, "curv": float(heads.curv().detach()), "scale": float(heads.scale().detach())}

        cfg = s.train_config() if track else s.train_config().with_(eval_every=0)
        return fit(heads, loss_fn, cfg, n_items=len(rows), generator=make_torch_generator(seed, "hyperbolic_gap", "batches"),
                   device=device, eval_fn=eval_fn if track else None, desc=f"{method} seed {seed}",
                   progress_bar=progress_bar)

    key = train_key(method, feats, s, seed, curv, learn_curv, track, device)
    heads, hist, _ = cached_training("hyperbolic_gap_heads", key, make, run, device="cpu")
    return Trained(method, seed, heads, hist)


@torch.no_grad()
def embed(tr: Trained, feats: Features, text_ids=None, image_rows=None):
    """(texts (n, d), images (m, d)) of the given text ids / image rows under ``tr``'s heads."""
    h = tr.heads
    x = h.text(torch.from_numpy(feats.txt[text_ids])) if text_ids is not None else None
    y = h.image(torch.from_numpy(feats.img[image_rows])) if image_rows is not None else None
    return x, y


@torch.no_grad()
def evaluate(tr: Trained, feats: Features, settings: Settings, hierarchy: bool = True) -> dict[str, float]:
    """Retrieval R@1/5/10 (both directions), zero-shot top-1 and (``hierarchy``) the hierarchy probes."""
    s, m, c = settings, tr.method, tr.heads.curv().detach().double()
    score = "clip" if m == "clip" else "meru" if m == "meru" else "atmg"
    te = feats.test_instances()
    rows = feats.image_row(te)
    x, y = embed(tr, feats, feats.cap_ids[te, s.retrieval_level, 0], rows)
    out = M.recalls(*M.retrieval_scores(score, x, y, c))
    out["R@5"] = 0.5 * (out["t2i_R@5"] + out["i2t_R@5"])
    P, _ = embed(tr, feats, feats.prompt_ids.ravel())
    Z = M.zeroshot_scores(score, y, P.reshape(*feats.prompt_ids.shape, -1), c)
    out["zeroshot"] = M.strict_top1(Z, feats.labels[te])
    out["curv"] = float(c)
    if score == "atmg":
        alt = M.recalls(*M.retrieval_scores("atmg_alpha", x, y, c))
        out.update({f"alpha_{k}": v for k, v in alt.items()})
        out["alpha_R@5"] = 0.5 * (alt["t2i_R@5"] + alt["i2t_R@5"])
        out["alpha_zeroshot"] = M.strict_top1(M.zeroshot_scores("atmg_alpha", y, P.reshape(*feats.prompt_ids.shape, -1), c),
                                              feats.labels[te])
    if not hierarchy:
        return out
    C = len(feats.categories)
    _, yall = embed(tr, feats, None, np.flatnonzero(np.isin(feats.img_inst, te)))
    lab_img = feats.labels[feats.img_inst[np.isin(feats.img_inst, te)]]
    out["tax_rho_image"] = M.taxonomy_rho(score, M.prototypes(score, yall, lab_img, C, c), feats.tree, c)
    x2, _ = embed(tr, feats, feats.cap_ids[te, 2, 0])
    out["tax_rho_text"] = M.taxonomy_rho(score, M.prototypes(score, x2, feats.labels[te], C, c), feats.tree, c)
    if m == "clip":
        return out
    d0 = np.stack([L.dist0(embed(tr, feats, feats.cap_ids[te, lv, 0])[0].double(), c).numpy() for lv in range(5)], 1)
    for lv in range(5):
        out[f"d0_level{lv}"] = float(d0[:, lv].mean())
    out["d0_image"] = float(L.dist0(y.double(), c).mean())
    out["level_rho"] = M.level_rho(d0)
    names = list(feats.node_ids)
    xn, _ = embed(tr, feats, np.array([feats.node_ids[n] for n in names]))
    out["parent_closer"] = M.parent_closer_rate(dict(zip(names, L.dist0(xn.double(), c).numpy())), feats.edges)
    gaps, viol = [], []
    for lv in s.train_levels:
        xl, _ = embed(tr, feats, feats.cap_ids[te, lv, 0])
        gaps.append(M.gap_rate(xl, y, c))
        viol.append(M.cone_violation_rate(xl, y, c, s.aperture_K))
    out["gap_rate"], out["cone_violation"] = float(np.mean(gaps)), float(np.mean(viol))
    return out


@dataclass
class Results:
    """main: one row per (method, seed) of :func:`evaluate`; sweep: one row per (method, c, seed) of retrieval;
    tracks: {seed: DataFrame of MERU's spread measurements over training}; models: {(method, seed): Trained}
    of the main comparison; seconds: wall time per part."""

    settings: Settings
    main: pd.DataFrame
    sweep: pd.DataFrame
    tracks: dict
    models: dict
    seconds: dict


def run(settings: Settings, feats: Features | None = None, sweep: bool = True, progress_bar: bool = True) -> Results:
    """The whole comparison under the scale's runtime policy (module docstring)."""
    s = settings
    with runtime.use(s.scale) as rt:
        t0 = time.perf_counter()
        feats = feats if feats is not None else load_features(s, progress_bar=progress_bar)
        t_feat = time.perf_counter() - t0
        rows, models, tracks = [], {}, {}
        t0 = time.perf_counter()
        for seed in s.seeds:
            for m in s.methods:
                tr = train(m, feats, s, seed, track=(m == "meru"), device=rt.device, progress_bar=progress_bar)
                models[(m, seed)] = tr
                rows.append({"method": m, "seed": seed, "final_loss": tr.history.final(20), **evaluate(tr, feats, s)})
                if m == "meru":
                    tracks[seed] = pd.DataFrame([{"step": st, **v} for st, v in tr.history.evals])
        t_main = time.perf_counter() - t0
        t0 = time.perf_counter()
        sw = run_sweep(s, feats, progress_bar) if sweep else pd.DataFrame()
        t_sweep = time.perf_counter() - t0
    return Results(s, pd.DataFrame(rows), sw, tracks, models,
                   {"features": t_feat, "main": t_main, "sweep": t_sweep})


def run_sweep(settings: Settings, feats: Features, progress_bar: bool = True) -> pd.DataFrame:
    """The curvature sweep: MERU (curvature fixed, not learned) and ATMG at every c of ``settings.curvatures``
    × ``sweep_seeds``; one row of retrieval, zero-shot and the hierarchy probes per (method, c, seed)."""
    s = settings
    rows = []
    with runtime.use(s.scale) as rt:
        for c in s.curvatures:
            for m in ("meru", "atmg"):
                for seed in s.sweep_seeds:
                    tr = train(m, feats, s, seed, curv=c, learn_curv=False, device=rt.device, progress_bar=progress_bar)
                    rows.append({"method": m, "c": c, "seed": seed, **evaluate(tr, feats, s)})
    return pd.DataFrame(rows)


def summary(res: Results, columns=("t2i_R@1", "t2i_R@5", "t2i_R@10", "i2t_R@1", "i2t_R@5", "i2t_R@10",
                                     "zeroshot")) -> pd.DataFrame:
    """Mean ± sd over seeds per method of ``columns`` (a display table)."""
    g = res.main.groupby("method", sort=False)[list(columns)]
    mean, sd = g.mean(), g.std(ddof=1)
    return pd.DataFrame({c: [f"{a:.3f} ± {b:.3f}" for a, b in zip(mean[c], sd[c])] for c in columns}, index=mean.index)
