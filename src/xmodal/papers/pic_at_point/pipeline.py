"""Notebook 05's steps as functions: data, the scan-like variant, pre-training through the one trainer,
the linear-SVM protocol and the ablations over seeds.

Entry point: :func:`run` (enters the runtime policy once); the pieces are public for the notebook and tests.
"""
from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
import pandas as pd
import torch

from ...cache import cached_arrays, code_hash
from ...runtime import numerics_key
from ...seed import make_rng, make_torch_generator, seeded_init
from ...train import TrainConfig, fit
from .correspondence import sample_pixel_features, view_bank
from ...encoders.pretrain3d import augment
from .model import PicAtPoint, count_parameters, global_loss, local_loss, nt_xent
from .settings import VARIANTS

__all__ = ["load_world", "scan_variant", "pretrain", "global_features", "svm_accuracy", "evaluate_variant", "variant_arrays",
           "run_ablations", "parameter_table", "summary_table", "run"]

_CODE = ("xmodal.papers.pic_at_point.model", "xmodal.papers.pic_at_point.pipeline",
         "xmodal.papers.pic_at_point.correspondence", "xmodal.encoders.pointcloud", "xmodal.encoders.pretrain3d",
         "xmodal.train", "xmodal.contrastive")


def load_world(settings):
    """(world dataset, train indices, view bank of the train shapes). With ``shapes_per_category`` the train
    and val splits are cut to that many instances per category; the test split too unless ``full_test``."""
    from ...data import world_dataset

    ds = world_dataset(settings.scale, settings.seed)
    if settings.shapes_per_category:
        ds = ds.subset(settings.shapes_per_category, keep_test=settings.full_test)
    tr = np.flatnonzero(ds.mask("train"))
    return ds, tr, view_bank(ds, tr, settings)


def scan_variant(ds, settings) -> np.ndarray:
    """The scan-like variant (ScanObjectNN's role) of every shape: (N, P, 3) float32, cached.

    Per shape: one random dodecahedron20 view; the surface points (4P area-uniform samples) that
    :func:`~xmodal.world.camera.project` finds visible in that view's mesh depth map (a partial scan); a floor
    patch (uniform on a disc under the object) and two distractor fragments (balls of another shape's points,
    shrunk, on the floor); Gaussian noise σ on everything; recentred and scaled into the unit sphere. The
    shares are ``1 − floor − distractor`` object, ``floor``, ``distractor``.
    """
    from ...progress import progress
    from ...world import render
    from ...world.camera import project

    P = ds.points.shape[1]
    params = {"world": ds.key(), "noise": settings.scan_noise, "floor": settings.scan_floor_frac,
              "dist": settings.scan_distractor_frac, "code": code_hash("xmodal.world", __name__)}

    def build():
        out = np.zeros((len(ds), P, 3), np.float32)
        n_floor = int(round(settings.scan_floor_frac * P))
        n_dist = int(round(settings.scan_distractor_frac * P))
        n_obj = P - n_floor - n_dist
        for i in progress(range(len(ds)), desc="scan-like variant", unit="shape"):
            rng = make_rng(ds.seed, "pic_at_point/scan", i)
            s = ds.shape(i)
            v = int(rng.integers(20))
            r = render(s.mesh, layout="dodecahedron20", resolution=64, views=[v])
            dense, _ = s.sample_points(4 * P, seed=ds.seed + 1)
            _, vis = project(dense, r.view, r.proj, 64, depth=r.depth)
            seen = dense[vis[0]] if vis[0].any() else dense
            obj = seen[rng.choice(len(seen), n_obj, replace=len(seen) < n_obj)]
            y0 = float(dense[:, 1].min())
            rad, ang = np.sqrt(rng.uniform(0, 1, n_floor)) * 1.0, rng.uniform(0, 2 * np.pi, n_floor)
            floor = np.stack([rad * np.cos(ang), np.full(n_floor, y0), rad * np.sin(ang)], 1)
            frags = []
            for k, m in enumerate((n_dist // 2, n_dist - n_dist // 2)):
                other = ds.points[int(rng.integers(len(ds)))]
                c = other[int(rng.integers(len(other)))]
                ball = other[np.argsort(((other - c) ** 2).sum(1))[:m]] - c
                a = rng.uniform(0, 2 * np.pi)
                frags.append(0.4 * ball + np.array([0.9 * np.cos(a), y0 + 0.1, 0.9 * np.sin(a)]))
            x = np.concatenate([obj, floor, *frags]).astype(np.float64)[rng.permutation(P)]  # i.i.d. order
            x += rng.normal(0.0, settings.scan_noise, x.shape)
            x -= x.mean(0)
            out[i] = (x / np.linalg.norm(x, axis=1).max()).astype(np.float32)
        return {"points": out}

    return cached_arrays("pic_at_point_scan", params, build)["points"]


def _batch_tensors(b_idx, tr, ds, bank, settings, g, n_views):
    """Points (B, n, 3) and, per shape, one random view's features and the visible pairs' uv."""
    B, P = len(b_idx), ds.points.shape[1]
    v = torch.randint(n_views, (B,), generator=g).numpy()
    sub = torch.randperm(P, generator=g)[: settings.n_points_train].numpy()
    items = b_idx.numpy()
    pts = torch.from_numpy(ds.points[tr[items]][:, sub])
    vis = torch.from_numpy(bank["visible"][items, v][:, sub])  # (B, n)
    uv = torch.from_numpy(bank["uv"][items, v][:, sub])  # (B, n, 2)
    return pts, vis, uv, v, items


def pretrain(variant: str, seed: int, ds, tr, bank, settings, progress_bar: bool = True):
    """Build the model of ``variant`` (backbone init shared by all variants of a seed) and pre-train it
    with :func:`xmodal.train.fit` (Adam + warm-up + cosine); returns (model, History or None)."""
    cfg_v = VARIANTS[variant]
    c_loc, c_glob = bank["fmap"].shape[2], bank["pooled"].shape[2]
    with seeded_init(seed, "pic_at_point", "model"):
        model = PicAtPoint(settings, c_loc, c_glob, pose=cfg_v["pose"])
    if not cfg_v["train"]:
        return model.eval(), None
    n_views, M, res = bank["fmap"].shape[1], int(settings.pairs), int(settings.render_res)
    view_t = torch.from_numpy(np.asarray(bank["view"], np.float32))
    proj_t = torch.from_numpy(np.asarray(bank["proj"], np.float32))
    g = make_torch_generator(seed, "pic_at_point", "pairs")
    # CrossPoint's intra-modal term (an option of the global-only baseline): its own random stream, so the
    # other variants' draws are those of a run without it
    intra = bool(settings.crosspoint_intra) and cfg_v["glob"] and not cfg_v["local"]
    g_aug = make_torch_generator(seed, "pic_at_point", "intra") if intra else None
    normalize = torch.nn.functional.normalize

    def loss_fn(b_idx, step):
        pts, vis, uv, v, items = _batch_tensors(b_idx, tr, ds, bank, settings, g, n_views)
        parts, loss = {}, 0.0
        if intra:
            # two augmented views through the backbone and the 3D head; NT-Xent between them, and the
            # cross-modal term on their mean (CrossPoint's objective, the image side frozen here)
            B = len(pts)
            views2 = torch.cat([augment(pts, g_aug), augment(pts, g_aug)])
            h = model.global_head_3d(model.backbone.forward_features(views2)[1])
            parts["intra"] = nt_xent(normalize(h[:B], dim=-1), normalize(h[B:], dim=-1), settings.tau_global)
            loss = loss + settings.intra_weight * parts["intra"]
            z3 = normalize(0.5 * (h[:B] + h[B:]), dim=-1)
        else:
            per_point, glob = model.backbone.forward_features(pts)
        if cfg_v["glob"]:
            if not intra:
                z3 = normalize(model.global_head_3d(glob), dim=-1)
            z2 = normalize(model.global_head_2d(torch.from_numpy(bank["pooled"][items, v])), dim=-1)
            parts["global"] = global_loss(z3, z2, settings.tau_global)
            loss = loss + settings.w_global * parts["global"]
        if cfg_v["local"]:
            ok = vis.any(1)
            w = vis[ok].float()
            pick = torch.multinomial(w, M, replacement=True, generator=g)  # (B', M) visible points only
            rows = torch.arange(len(pick)).unsqueeze(1)
            f3 = per_point[ok][rows, pick].reshape(-1, per_point.shape[-1])
            fmap = torch.from_numpy(bank["fmap"][items[ok.numpy()], v[ok.numpy()]].astype(np.float32))
            f2 = sample_pixel_features(fmap, uv[ok][rows, pick], res).reshape(-1, fmap.shape[1])
            vv = torch.from_numpy(v[ok.numpy()]).repeat_interleave(M)
            z3 = model.local_embed_3d(f3, view_t[vv], proj_t[vv])
            z2 = torch.nn.functional.normalize(model.local_head_2d(f2), dim=-1)
            parts["local"] = local_loss(z3, z2, settings.tau_local)
            loss = loss + settings.w_local * parts["local"]
        return loss, parts

    cfg = TrainConfig(steps=settings.steps, batch_size=settings.batch, lr=settings.lr, lr_min=settings.lr * 0.01,
                      weight_decay=settings.weight_decay, warmup=0.1)
    hist = fit(model, loss_fn, cfg, n_items=len(tr), generator=make_torch_generator(seed, "pic_at_point", "batches"),
               desc=f"pre-train {variant} s{seed}", progress_bar=progress_bar)
    return model.eval(), hist


def global_features(model, points: np.ndarray, batch: int = 32) -> np.ndarray:
    """Frozen backbone global features (N, G) of clouds (N, P, 3), eval mode."""
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(points), batch):
            out.append(model.backbone.forward_features(torch.from_numpy(points[s: s + batch]))[1])
    return torch.cat(out).numpy()


def svm_accuracy(X: np.ndarray, labels: np.ndarray, split: np.ndarray, C_grid=(0.01, 0.1, 1.0)) -> tuple[float, float]:
    """Linear SVM protocol: standardise, LinearSVC per C on train → val accuracy; the best C (ties: the
    smallest) refit on train+val → (test accuracy, C). Cached on disk (``linear_svm``: keyed by the features,
    labels, split, C grid and scikit-learn's version), so a rerun of the notebook does not refit them."""
    import sklearn

    from ...cache import cached_arrays, code_hash
    from ...encoders.base import hash_inputs

    X, labels, split = np.ascontiguousarray(X), np.ascontiguousarray(labels), np.ascontiguousarray(split)
    params = {"X": hash_inputs(X), "labels": hash_inputs(labels), "split": hash_inputs(split),
              "C_grid": [float(c) for c in C_grid], "sklearn": sklearn.__version__,
              "code": code_hash("xmodal.papers.pic_at_point.pipeline")}
    a = cached_arrays("linear_svm", params, lambda: dict(zip(("acc", "C"), _fit_svm(X, labels, split, C_grid))))
    return float(a["acc"]), float(a["C"])


def _fit_svm(X, labels, split, C_grid) -> tuple[float, float]:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    import warnings
    from sklearn.exceptions import ConvergenceWarning

    def clf(C):
        return make_pipeline(StandardScaler(), LinearSVC(C=C, dual=True, max_iter=5000, random_state=0))

    tr, va, te = split == 0, split == 1, split == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        val = [(clf(C).fit(X[tr], labels[tr]).score(X[va], labels[va]), -C, C) for C in C_grid]
        best = max(val)[2]
        acc = clf(best).fit(X[tr | va], labels[tr | va]).score(X[te], labels[te])
    return np.float64(acc), np.float64(best)


def _run_params(variant: str, seed: int, ds, settings) -> dict:
    """The cache key of one (variant, seed) run: everything that changes its bits (the seed list does not)."""
    return {"variant": variant, "seed": int(seed), "settings": {k: v for k, v in asdict(settings).items()
                                                                if k not in ("seeds", "seed")},
            "world": ds.key(), "numerics": numerics_key(), "code": code_hash(*_CODE)}


def variant_arrays(variant: str, seed: int, ds, tr, bank, scan, settings, progress_bar: bool = True) -> dict:
    """Pre-train one (variant, seed) and extract its frozen global features, cached on disk:
    ``clean``/``scan`` (N, G), ``seconds`` and the training history (``hist.*``)."""
    params = _run_params(variant, seed, ds, settings)

    def build():
        t = time.perf_counter()
        model, hist = pretrain(variant, seed, ds, tr, bank, settings, progress_bar)
        n = int(settings.n_points_eval)
        F_clean, F_scan = global_features(model, ds.points[:, :n]), global_features(model, scan[:, :n])
        out = {"clean": F_clean, "scan": F_scan, "seconds": np.asarray(time.perf_counter() - t)}
        if hist is not None:
            out.update(hist.as_arrays("hist."))
        return out

    return cached_arrays("pic_at_point_run", params, build)


def evaluate_variant(variant: str, seed: int, ds, tr, bank, scan, settings, progress_bar: bool = True) -> dict:
    """Pre-train (cached) and score one (variant, seed): clean and scan-like SVM accuracies, final losses."""
    a = variant_arrays(variant, seed, ds, tr, bank, scan, settings, progress_bar)
    acc_c, C_c = svm_accuracy(a["clean"], ds.labels, ds.split, settings.svm_C)
    acc_s, C_s = svm_accuracy(a["scan"], ds.labels, ds.split, settings.svm_C)
    row = {"variant": variant, "seed": int(seed), "clean_acc": acc_c, "scan_acc": acc_s, "C_clean": C_c,
           "C_scan": C_s, "seconds": float(a["seconds"])}
    for part in ("global", "local"):
        k = f"hist.part.{part}"
        row[f"final_{part}_loss"] = float(np.mean(a[k][-10:])) if k in a else np.nan
    return row


_WORKER: dict = {}


def _pool_init(settings):
    """Worker initializer: the world, view bank and scan variant from the cache (the parent built them)."""
    from ...runtime import use

    with use(settings.scale):
        ds, tr, bank = load_world(settings)
        _WORKER.update(settings=settings, ds=ds, tr=tr, bank=bank, scan=scan_variant(ds, settings))


def _pool_job(job):
    from ...runtime import use

    variant, seed = job
    w = _WORKER
    with use(w["settings"].scale):  # one thread per worker: the bits of a serial run
        return evaluate_variant(variant, seed, w["ds"], w["tr"], w["bank"], w["scan"], w["settings"], progress_bar=False)


def _is_cached(variant, seed, ds, settings) -> bool:
    from ...cache import is_cached

    return is_cached("pic_at_point_run", _run_params(variant, seed, ds, settings))


def run_ablations(ds, tr, bank, scan, settings, variants=None, progress_bar: bool = True,
                  workers: int | None = None) -> pd.DataFrame:
    """One row per (variant, seed): every variant of :data:`VARIANTS` under the same budget and seeds.

    The (variant, seed) runs that are not cached yet are pre-trained and scored (the SVMs) in ``workers``
    processes (:func:`xmodal.parallel.parallel_map`; default :func:`~xmodal.parallel.default_workers`), each
    under the scale's runtime policy, writing the usual cache entries; the cached ones are scored here. Runs
    are seeded by (variant, seed) alone and the SVMs are deterministic, so the bits equal a serial run's
    (tested)."""
    from ...parallel import fill_cache

    jobs = [(v, int(s)) for v in (variants or list(VARIANTS)) for s in settings.seeds]
    # the longest runs first (trained variants before random-init), so the two workers end together
    done = fill_cache(jobs, lambda j: _is_cached(*j, ds, settings), _pool_job, workers, desc="pre-training runs",
                      unit="run", order=lambda j: not VARIANTS[j[0]]["train"], initializer=_pool_init,
                      initargs=(settings,))
    rows = [done.get(i) or evaluate_variant(v, s, ds, tr, bank, scan, settings, progress_bar)
            for i, (v, s) in enumerate(jobs)]
    return pd.DataFrame(rows)


def parameter_table(bank, settings) -> pd.DataFrame:
    """Trainable parameters of the backbone and of each head (the with-pose model)."""
    m = PicAtPoint(settings, bank["fmap"].shape[2], bank["pooled"].shape[2], pose=True)
    rows = [{"module": name, "parameters": count_parameters(getattr(m, name))}
            for name in ("backbone", "pose", "local_head_3d", "global_head_3d", "local_head_2d", "global_head_2d")]
    rows.append({"module": "heads + pose (added by the recipe)", "parameters": count_parameters(m.heads())})
    return pd.DataFrame(rows)


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95 % seed interval of both accuracies per variant (in the order of :data:`VARIANTS`)."""
    from ...evaluation import seed_interval

    rows = []
    for v in [v for v in VARIANTS if v in set(runs["variant"])]:
        r = runs[runs["variant"] == v].sort_values("seed")
        row = {"variant": v, "seeds": len(r)}
        for col in ("clean_acc", "scan_acc"):
            iv = seed_interval(r[col].to_numpy())
            row.update({col: iv.mean, f"{col}_lo": iv.lo, f"{col}_hi": iv.hi})
        row["pretrain_s"] = float(r["seconds"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def run(settings, progress_bar: bool = True) -> dict:
    """The whole pipeline under the scale's runtime policy: data, bank, scan variant, ablations, counts."""
    from ...runtime import use

    with use(settings.scale):
        ds, tr, bank = load_world(settings)
        scan = scan_variant(ds, settings)
        runs = run_ablations(ds, tr, bank, scan, settings, progress_bar=progress_bar)
        return {"ds": ds, "train_idx": tr, "bank": bank, "scan": scan, "runs": runs,
                "params": parameter_table(bank, settings)}
