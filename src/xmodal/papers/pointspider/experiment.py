"""Paper 03's experiment in stages (the notebook calls one per section); every stage returns plain data.

:func:`load` (world, notebook 02's frozen features) → :func:`classify` (PointNet, corruption errors) →
:func:`zeroshot_study` (Table II analogue, Double Roulette) → :func:`mapping_study` (Table III analogue,
retrieval through the map) → :func:`speed_study` (Table I analogue). All run under the scale's runtime policy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ... import runtime
from ...align.metrics import cosine_scores, topk_accuracy
from ...data.corruptions import GROUPS
from . import pipeline as P
from .mapping import VARIANTS as MAP_VARIANTS
from .mapping import l1div, train_mappings
from .paper import OPEN_CLIP_MODELS
from .renderers import renderer_table
from .settings import Settings

__all__ = ["load", "classify", "zeroshot_study", "mapping_study", "speed_study", "open_clip_status"]


def load(settings: Settings, progress_bar: bool = True) -> dict:
    """World dataset and notebook 02's frozen features (both cached): {"settings", "ds", "feats", "device"}."""
    from ...data import world_dataset
    from ..wpce import load_features

    with runtime.use(settings.scale) as rt:
        ds = world_dataset(settings.scale, settings.data_seed)
        feats = load_features(settings.wpce_settings(), ds, progress_bar=progress_bar)
    return {"settings": settings, "ds": ds, "feats": feats, "device": rt.device}


def classify(st: dict, progress_bar: bool = True) -> dict:
    """Train the classifiers of ``settings.encoders`` (PointNet first, then e.g. mini-PointBERT; the same recipe, side
    by side in the process pool) on the clean train split; their errors on the corruption set (75 variants + clean)
    and the leaderboard analogue. Adds "model", "history" (PointNet's: the mapping's encoder), "eval_rows", "cset",
    "cset_outputs" (PointNet's features and logits of every variant), "errors" (PointNet's), "errors_by_encoder"
    {arch: table}, "errors_all" (those tables stacked, with an ``encoder`` column), "histories" {arch: History},
    "test_accs" {arch: clean test accuracy}, "leaderboard"."""
    s, ds = st["settings"], st["ds"]
    with runtime.use(s.scale):
        tr = ds.mask("train")
        trained = P.train_classifiers(P.normalised_clouds(ds.points[tr]), ds.labels[tr], len(ds.categories), s,
                                      st["device"], progress_bar)
        model, hist = trained["pointnet"]
        rows = P.eval_rows(ds, s.eval_per_class)
        cset = P.corruption_set(ds, rows, s, progress_bar)
        outputs = {v: P.features(model, c, device=st["device"]) for v, c in cset.items()}  # once: mapping_study reuses them
        te = ds.mask("test")
        test_clouds = P.normalised_clouds(ds.points[te])
        errors, test_accs = {}, {}
        for arch, (m, _) in trained.items():
            outs = outputs if arch == "pointnet" else {v: P.features(m, c, device=st["device"]) for v, c in cset.items()}
            errors[arch] = P.corruption_table(m, cset, ds.labels[rows], st["device"], outputs=outs)
            test_accs[arch] = P.zeroshot_topk(P.features(m, test_clouds, device=st["device"])[1], ds.labels[te], 1)
    histories = {a: h for a, (_, h) in trained.items()}
    last_epoch = {a: float(h.loss[-(h.steps_per_epoch or len(h.loss)):].mean()) for a, h in histories.items()}
    st.update(model=model, history=hist, eval_rows=rows, cset=cset, cset_outputs=outputs, errors=errors["pointnet"],
              errors_by_encoder=errors, errors_all=pd.concat([t.assign(encoder=a) for a, t in errors.items()],
                                                             ignore_index=True),
              histories=histories, test_accs=test_accs, test_acc=test_accs["pointnet"],
              leaderboard=P.leaderboard(errors, train_loss=last_epoch))
    return st


def open_clip_status() -> dict:
    """{paper model name: "loaded" | "weights not available"} for the paper's four open_clip models."""
    from ...encoders.base import WeightsUnavailableError
    from ...encoders.clip import load_clip

    out = {}
    for name, arch, tag in OPEN_CLIP_MODELS:
        try:
            load_clip(arch, tag)
            out[name] = "weights present (not evaluated here)"
        except (WeightsUnavailableError, ValueError, OSError) as e:
            out[name] = "weights not available" if isinstance(e, WeightsUnavailableError) else f"error: {e}"[:80]
    return out


def zeroshot_study(st: dict, progress_bar: bool = True) -> dict:
    """Table II analogue and Double Roulette. Adds "models", "pool", "pool_scores" {model: (n_pool, 76, C)},
    "roulette" {model: {"top1", "top3"}}, "draws" (idx, variant), "zs_rows", "zs_table", "open_clip"."""
    s, ds, feats = st["settings"], st["ds"], st["feats"]
    from ..wpce import image_features

    with runtime.use(s.scale):
        models = P.image_models(s, feats, st["device"], progress_bar)
        pool_local = np.concatenate([np.flatnonzero(ds.labels[st["eval_rows"]] == c)[: s.pool_per_class]
                                     for c in range(len(ds.categories))])
        pool = st["eval_rows"][pool_local]
        renders = np.stack([P.render_clouds(st["cset"][v][pool_local], s.resolution)
                            for v in range(len(P.VARIANTS))], 1)  # (n_pool, 76, H, W, 3)
        n_pool, nv = renders.shape[:2]
        emb = P.embed_renders(models, feats, renders.reshape(-1, *renders.shape[2:]))
        te = np.flatnonzero(ds.mask("test"))
        test_renders = P.render_clouds(P.normalised_clouds(ds.points[te]), s.resolution)
        emb_test = P.embed_renders(models, feats, test_renders)
        mesh_rows = feats.rows(2, 1)
        labels_pool = ds.labels[pool]
        idx, var = P.roulette_draws(labels_pool, nv, s)
        scores, rl, zs_rows = {}, {}, {}
        for m, mod in models.items():
            sc = P.class_scores(mod, emb[m]).reshape(n_pool, nv, -1)
            scores[m] = sc
            rl[m] = P.roulette_scores(sc, idx, var)
            mesh = P.class_scores(mod, image_features(mod.trained, feats, mesh_rows, mod.rff))
            clouds = P.class_scores(mod, emb_test[m])
            ylab = feats.img_label[mesh_rows]
            zs_rows[m] = {
                "Double Roulette (first draw, 40 renders)": (rl[m]["top1"][0], rl[m]["top3"][0]),
                f"Double Roulette mean of {s.draws} draws": (rl[m]["top1"].mean(), rl[m]["top3"].mean()),
                "clean point-cloud renders, test split": (P.zeroshot_topk(clouds, ds.labels[te], 1),
                                                          P.zeroshot_topk(clouds, ds.labels[te], 3)),
                "clean mesh renders, test split": (P.zeroshot_topk(mesh, ylab, 1), P.zeroshot_topk(mesh, ylab, 3)),
            }
        status = open_clip_status()
    st.update(models=models, pool=pool, pool_renders=renders, pool_scores=scores, roulette=rl, draws=(idx, var),
              zs_rows=zs_rows, zs_table=P.zeroshot_table(models, zs_rows, status), open_clip=status)
    return st


def _targets(st, rows_or_clouds, clouds=False):
    """CLIP-head image embeddings (n, d) of renders of clouds (normalised)."""
    s, clip = st["settings"], st["models"]["clip"]
    pts = rows_or_clouds if clouds else P.normalised_clouds(st["ds"].points[rows_or_clouds])
    return P.embed_renders({"clip": clip}, st["feats"], P.render_clouds(pts, s.resolution))["clip"].numpy()


def mapping_study(st: dict, progress_bar: bool = True) -> dict:
    """Mapping networks BASE / LNORM / RNORM × mapping seeds (Table III analogue) and the usefulness of the mapped
    embeddings (retrieval R@1/5/10 and zero-shot, clean and per corruption variant). Adds "l1div" (table),
    "curves", "retrieval" (clean, per seed), "robustness" (per variant, mean over seeds), "map_sizes"."""
    s, ds, model = st["settings"], st["ds"], st["model"]
    clip = st["models"]["clip"]
    with runtime.use(s.scale):
        split = {k: np.flatnonzero(ds.mask(k)) for k in ("train", "val", "test")}
        split["train"] = split["train"][np.sort(P.make_rng(s.seed, "pointspider", "map-train").permutation(
            len(split["train"]))[: s.n_map_train])]
        split["test"] = split["test"][np.sort(P.make_rng(s.seed, "pointspider", "map-test").permutation(
            len(split["test"]))[: s.n_map_test])]
        X = {k: P.features(model, P.normalised_clouds(ds.points[r]))[0] for k, r in split.items()}
        Y = {k: _targets(st, r) for k, r in split.items()}
        # the corruption set: queries = every variant's cloud, gallery = renders of the clean clouds
        gallery = _targets(st, st["cset"][0], clouds=True)
        Xc = {v: f for v, (f, _) in st["cset_outputs"].items()}
        yc = ds.labels[st["eval_rows"]]
        rows, curves, rob, ret = [], {}, [], []
        nets = train_mappings(X["train"], Y["train"], X["val"], Y["val"], s, st["device"], progress_bar)
        for variant in MAP_VARIANTS:
            for seed in s.map_seeds:
                net, hist, best = nets[(variant, seed)]
                with torch.no_grad():
                    pred = net(torch.as_tensor(X["test"]))
                rows.append({"variant": variant, "seed": seed, "L1DIV": l1div(pred, Y["test"]),
                             "mean L1": 1.0 / l1div(pred, Y["test"]), "best step": best,
                             "steps": len(hist.loss)})
                curves[(variant, seed)] = hist.evals
                if variant != "lnorm":
                    continue
                S = cosine_scores(pred.numpy(), Y["test"])
                zs = P.class_scores(clip, torch.nn.functional.normalize(pred, dim=1))
                ret.append({"seed": seed, **{f"R@{k}": topk_accuracy(S, k) for k in (1, 5, 10)},
                            "zero-shot top-1": P.zeroshot_topk(zs, ds.labels[split["test"]], 1)})
                for v, xv in Xc.items():
                    with torch.no_grad():
                        pv = net(torch.as_tensor(xv))
                    Sv = cosine_scores(pv.numpy(), gallery)
                    c, sev = P.VARIANTS[v]
                    grp = "clean" if c == "clean" else next(g for g, cs in GROUPS.items() if c in cs)
                    rob.append({"seed": seed, "corruption": c, "group": grp, "severity": sev,
                                "R@5": topk_accuracy(Sv, 5),
                                "zero-shot top-1": P.zeroshot_topk(P.class_scores(
                                    clip, torch.nn.functional.normalize(pv, dim=1)), yc, 1)})
    st.update(l1div=pd.DataFrame(rows), curves=curves, retrieval=pd.DataFrame(ret),
              robustness=pd.DataFrame(rob), map_sizes={k: len(v) for k, v in split.items()},
              n_gallery=len(gallery), n_classes=len(ds.categories))
    return st


def speed_study(st: dict) -> dict:
    """Table I analogue on the first ``table_clouds`` clean clouds of the corruption set. Adds "speed", "speed_images"."""
    s = st["settings"]
    clouds = list(st["cset"][0][: s.table_clouds])
    table, images = renderer_table(clouds, s.table_resolution, s.spp, s.mitsuba_variants)
    st.update(speed=table, speed_images=images)
    return st
