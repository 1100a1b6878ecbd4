"""Paper 02, Part B: CLIP vs weighted point cloud embeddings (WPCE) heads on frozen world features.

Training is :mod:`.training` (cached heads). Evaluation (the paper's protocol): zero-shot top-1 over the
categories with template-averaged class features (no re-normalisation for WPCE) over ``zeroshot_draws`` RFF
draws; a logistic-regression linear probe (:func:`xmodal.evaluation.linear_probe`) on "after projection"
features (CLIP: normalised embedding; WPCE: [d linear | D_probe RFF]) and "before projection" features (CLIP:
the backbone's pooled feature; WPCE: the weighted mean of the backbone tokens); the numerical and effective
rank of the batch similarity matrix. :func:`run` / :func:`run_seeds` do it all under the scale's runtime
policy; the independent runs (learning-rate grid, seeds, d-sweep) go through the project's one process pool
(:func:`xmodal.parallel.parallel_map`), whose workers fill the same caches a serial run would (same bits).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ... import runtime
from ...align import label_topk_accuracy
from ...cache import cached_arrays, is_cached
from ...contrastive import RFF, gather_packed, wpce_similarity_matrix_exact
from ...evaluation import ProbeResult, effective_rank, linear_probe, numerical_rank
from ...progress import progress
from ...seed import make_rng, make_torch_generator, seed_everything
from .features import PairFeatures, _chunks, load_features
from .settings import VARIANTS, Settings
from .training import Trained, embed_texts, head_cached, head_key, image_points, select_lr, train_heads, val_pairs

__all__ = ["Trained", "train_heads", "embed_texts", "image_features", "text_features", "before_projection",
           "class_features", "zeroshot_accuracy", "zeroshot", "probe", "similarity_matrix", "rank_batch",
           "COLUMNS", "SWEEP_COLUMNS", "EVAL_FIELDS", "METRICS", "Results", "run", "run_seeds", "select_lr", "val_pairs",
           "evaluate",
           "image_points", "sweep_table", "summarise", "per_seed", "table_zeroshot",
           "table_probe", "table_ablations", "table_rank"]


# ----------------------------------------------------------------------------------------------------
# Features of trained heads


@torch.no_grad()
def image_features(tr: Trained, feats: PairFeatures, rows, rff: RFF | None = None, chunk: int = 1024) -> torch.Tensor:
    """"After projection" image features (n, dim) on CPU: CLIP the normalised embedding (n, d); WPCE
    :func:`wpce_embed` with ``rff`` (n, d + D)."""
    rows = torch.as_tensor(np.asarray(rows), dtype=torch.long, device=tr.device)
    T = feats.tensors(tr.device)
    out = []
    for sl in _chunks(len(rows), chunk):
        r = rows[sl]
        if tr.is_clip:
            out.append(tr.image_head(T["img_pooled"][r]))
        else:
            out.append(tr.image_head.embed(image_points(tr.variant, T, r), rff, tr.variant.alphas))
    return torch.cat(out).cpu()


@torch.no_grad()
def text_features(tr: Trained, feats: PairFeatures, ids, rff: RFF | None = None, chunk: int = 1024) -> torch.Tensor:
    """"After projection" text features (n, dim) of texts ``ids`` on CPU (CLIP: normalised; WPCE: wpce_embed)."""
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long, device=tr.device)
    T = feats.tensors(tr.device)
    out = []
    for sl in _chunks(len(ids), chunk):
        i = ids[sl]
        if tr.is_clip:
            out.append(tr.text_head(T["txt_pooled"][i]))
        else:
            out.append(embed_texts(tr.text_head, feats, i, rff, tr.variant.alphas, buckets=8, points=tr.variant.points))
    return torch.cat(out).cpu()


@torch.no_grad()
def before_projection(tr: Trained, feats: PairFeatures, rows) -> np.ndarray:
    """"Before projection" image features (n, 1280) float32: CLIP the backbone's pooled feature (the frozen
    backbone itself: nothing of the heads, so context only); WPCE the weighted mean (1/M) Σ_i w_i x_i of
    the backbone tokens with the learned weights w_i."""
    rows = np.asarray(rows)
    if tr.is_clip:
        return feats.img_pooled[rows].astype(np.float32)
    x = image_points(tr.variant, feats.tensors(tr.device), torch.as_tensor(rows, device=tr.device))
    _, w = tr.image_head(x)
    return ((w.unsqueeze(-1) * x).mean(1)).cpu().numpy().astype(np.float32)


@torch.no_grad()
def class_features(tr: Trained, feats: PairFeatures, rff: RFF | None = None) -> torch.Tensor:
    """(n_classes, dim) zero-shot class features: the mean over prompt templates of f(prompt).
    CLIP re-normalises the mean (CLIP's recipe); WPCE does not (the paper's protocol)."""
    C, Tn = feats.prompt_ids.shape
    f = text_features(tr, feats, feats.prompt_ids.reshape(-1), rff).reshape(C, Tn, -1).mean(1)
    return torch.nn.functional.normalize(f, dim=-1) if tr.is_clip else f


def zeroshot_accuracy(image_feats, class_feats, labels) -> float:
    """Top-1 accuracy of argmax_k <image_feats[n], class_feats[k]> against ``labels``.

    image_feats: (n, dim), class_feats: (n_classes, dim) (numpy or torch), labels: (n,) ints.
    """
    X = torch.as_tensor(np.asarray(image_feats) if not isinstance(image_feats, torch.Tensor) else image_feats).double()
    Cf = torch.as_tensor(np.asarray(class_feats) if not isinstance(class_feats, torch.Tensor) else class_feats).double()
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if X.ndim != 2 or Cf.ndim != 2 or X.shape[1] != Cf.shape[1]:
        raise ValueError(f"need image_feats (n, dim) and class_feats (k, dim), got {tuple(X.shape)}, {tuple(Cf.shape)}")
    if len(y) != len(X) or len(y) == 0:
        raise ValueError(f"labels must have one entry per image (n = {len(X)} > 0), got {len(y)}")
    return label_topk_accuracy((X.cpu() @ Cf.cpu().T).numpy(), y.numpy(), 1)  # ties count as misses


def zeroshot(tr: Trained, feats: PairFeatures, settings: Settings, split: int = 2) -> np.ndarray:
    """Zero-shot top-1 on ``split`` for each of ``zeroshot_draws`` RFF draws (D = n_features_zeroshot, one
    draw shared by images and class prompts). CLIP has no RFF: one value. Returns (draws,) accuracies."""
    rows = feats.rows(split)
    if tr.is_clip:
        return np.array([zeroshot_accuracy(image_features(tr, feats, rows), class_features(tr, feats),
                                           feats.img_label[rows])])
    g = make_torch_generator(tr.seed, "wpce", "rff-zeroshot", tr.variant.kernel, tr.variant.kernel_scale)
    rff = tr.rff(settings.n_features_zeroshot, g)
    accs = []
    for k in range(settings.zeroshot_draws):
        if k:
            rff.resample()
        accs.append(zeroshot_accuracy(image_features(tr, feats, rows, rff), class_features(tr, feats, rff),
                                      feats.img_label[rows]))
    return np.array(accs)


def probe(tr: Trained, feats: PairFeatures, settings: Settings, kind: str = "after") -> ProbeResult:
    """Linear probe (:func:`xmodal.evaluation.linear_probe`) on views ``< probe_views`` of the train / val /
    test splits, on features ``kind`` = "after" projection (one RFF draw, D = n_features_probe) or "before"."""
    if kind not in ("after", "before"):
        raise ValueError(f"kind must be 'after' or 'before', got {kind!r}")
    rows = [feats.rows(split, settings.probe_views) for split in (0, 1, 2)]
    if kind == "before":
        X = [before_projection(tr, feats, r) for r in rows]
    else:
        g = make_torch_generator(tr.seed, "wpce", "rff-probe", tr.variant.kernel, tr.variant.kernel_scale)
        rff = tr.rff(settings.n_features_probe, g)
        X = [image_features(tr, feats, r, rff).numpy() for r in rows]
    y = [feats.img_label[r] for r in rows]
    return linear_probe(X[0], y[0], X[1], y[1], X[2], y[2], settings.probe_C, settings.probe_max_iter)


# ----------------------------------------------------------------------------------------------------
# The rank of the batch similarity matrix


@torch.no_grad()
def similarity_matrix(tr: Trained, feats: PairFeatures, rows, text_ids) -> np.ndarray:
    """(B, B) float64 similarities of images ``rows`` × texts ``text_ids``: CLIP ⟨u, v⟩; WPCE the *exact*
    kernel double sum (no RFF), each text normalised by its own number of valid tokens."""
    rows, text_ids = np.asarray(rows), np.asarray(text_ids)
    if tr.is_clip:
        return (image_features(tr, feats, rows).double() @ text_features(tr, feats, text_ids).double().T).numpy()
    T = feats.tensors(tr.device)
    pi, wi = tr.image_head(image_points(tr.variant, T, torch.as_tensor(rows, device=tr.device)))
    if tr.variant.points == "pooled":
        pt, wt = tr.text_head(T["txt_pooled"][torch.as_tensor(text_ids, device=tr.device)][:, None, :])
        return wpce_similarity_matrix_exact(pi, wi, pt, wt, tr.variant.kernel, tr.variant.kernel_scale,
                                            tr.variant.alphas)
    tok, mask = gather_packed(T["txt_flat"], T["txt_offsets"], torch.as_tensor(text_ids))
    pt, wt = tr.text_head(tok, mask)
    S = wpce_similarity_matrix_exact(pi, wi, pt, wt, tr.variant.kernel, tr.variant.kernel_scale, tr.variant.alphas)
    # the exact helper divides by the padded length L; wpce_embed (training) by each text's valid count
    return S * (mask.shape[1] / mask.sum(1).double().cpu().numpy())[None, :]


def rank_batch(feats: PairFeatures, settings: Settings, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch of test pairs (image rows, text ids): one view and one caption per instance (seeded)."""
    rows = feats.rows(2)
    rng = make_rng(seed, "wpce", "rank-batch")
    _, first = np.unique(feats.img_instance[rows], return_index=True)
    rows = rows[first]
    rows = np.sort(rng.choice(rows, size=min(settings.rank_batch, len(rows)), replace=False))
    inst = feats.img_instance[rows]
    k = rng.integers(0, feats.caption_ids.shape[1], size=len(rows))
    return rows, feats.caption_ids[inst, k]


# ----------------------------------------------------------------------------------------------------
# The experiment

COLUMNS = ["variant", "seed", "d", "lr", "zeroshot", "zeroshot_draw_std", "probe_after", "probe_before", "C_after",
           "C_before", "rank", "eff_rank", "logit_scale", "final_loss", "val_loss", "steps_run", "best_step",
           "plateaued", "train_seconds", "eval_seconds"]
SWEEP_COLUMNS = ["variant", "seed", "d", "lr", "zeroshot", "zeroshot_draw_std", "val_loss", "steps_run", "best_step",
                 "plateaued", "train_seconds"]
#: The fields of :class:`~.settings.Settings` an evaluation reads besides the run's own (its cache key).
EVAL_FIELDS = ("n_features_zeroshot", "zeroshot_draws", "n_features_probe", "probe_C", "probe_max_iter", "probe_views",
               "before_variants", "rank_batch")


@dataclass
class Results:
    """``table``: one row per variant × seed at d = embed_dim (:data:`COLUMNS`); ``curves[(variant, seed)]``:
    (steps_run,) batch losses; ``val_curves[(variant, seed)]``: (step, validation loss) pairs;
    ``spectra[(variant, seed)]``: singular values of the batch similarity matrix; ``lr_grid``: the
    learning-rate choice on the first seed (:func:`select_lr`); ``sweep``: zero-shot at the swept d's
    (:data:`SWEEP_COLUMNS`)."""

    table: pd.DataFrame
    curves: dict = field(default_factory=dict)
    val_curves: dict = field(default_factory=dict)
    spectra: dict = field(default_factory=dict)
    lr_grid: pd.DataFrame = field(default_factory=pd.DataFrame)
    sweep: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SWEEP_COLUMNS))

    @property
    def chosen_lr(self) -> dict:
        """variant → the learning rate chosen on validation."""
        g = self.lr_grid
        return {r.variant: float(r.lr) for r in g[g["chosen"]].itertuples()} if len(g) else {}

    def convergence(self) -> pd.DataFrame:
        """Every trained head (learning-rate grid, main runs, d-sweep; each run once): where it stopped
        (``steps_run``), its best evaluation (``best_step``) and whether it stopped on its validation
        plateau before the step cap (``plateaued``)."""
        cols = ["variant", "d", "seed", "lr", "steps_run", "best_step", "plateaued", "val_loss"]
        parts = [self.lr_grid.assign(run="lr grid"), self.table.assign(run="main"), self.sweep.assign(run="d-sweep")]
        df = pd.concat([p[cols + ["run"]] for p in parts if len(p)], ignore_index=True)
        return df.drop_duplicates(subset=["variant", "d", "seed", "lr"], keep="first").reset_index(drop=True)


def run(settings: Settings, seed: int, feats: PairFeatures | None = None, progress_bar: bool = True,
        workers: int | None = None) -> Results:
    """Train and evaluate every variant of ``settings`` for one training ``seed`` (the learning rate chosen
    on that seed), on the scale's device."""
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    return run_seeds(settings.with_(seeds=(int(seed),)), feats, progress_bar, workers)


def run_seeds(settings: Settings, feats: PairFeatures | None = None, progress_bar: bool = True,
              workers: int | None = None) -> Results:
    """Every variant for every seed of ``settings.seeds`` (features loaded once): the learning rate of
    each variant chosen on the first seed (:func:`select_lr`, whose chosen run is that seed's run), then
    the other seeds at that rate; then the d-sweep (zero-shot only) of ``sweep_variants`` at ``sweep_dims``
    for the first ``sweep_seeds`` seeds, each at its variant's chosen rate.

    ``workers`` (default :func:`xmodal.parallel.default_workers`): runs not cached yet are trained and
    evaluated in that many spawned processes (two rounds: the learning-rate grid, then everything else), each
    under the scale's runtime policy, writing the usual cache entries; the results are then read from the
    cache. Every run is seeded and single-threaded, so the bits equal a serial run's (tested)."""
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    with runtime.use(settings.scale) as rt:
        feats = feats if feats is not None else load_features(settings, progress_bar=progress_bar)
        return _run(settings, feats, rt.device, progress_bar, workers)


def evaluate(tr: Trained, feats: PairFeatures, settings: Settings, kind: str = "main") -> dict:
    """The evaluation of one trained run, cached on disk (``wpce_eval``, keyed by the run's key and
    :data:`EVAL_FIELDS`): ``kind`` "zeroshot" gives {zeroshot (draws,)}; "main" adds probe_after / C_after,
    the WPCE probe before projection for ``before_variants`` (CLIP's is the frozen backbone: :func:`_run`
    computes it once), the batch-similarity spectrum and its ranks, and ``eval_seconds``."""
    if kind not in ("zeroshot", "main"):
        raise ValueError(f"kind must be 'zeroshot' or 'main', got {kind!r}")

    def build():
        t0 = time.perf_counter()
        out = {"zeroshot": zeroshot(tr, feats, settings)}
        if kind == "main":
            after = probe(tr, feats, settings, "after")
            before = ProbeResult(C=float("nan"), val_acc={}, test_acc=float("nan"))
            if tr.variant.name in settings.before_variants and not tr.is_clip:
                before = probe(tr, feats, settings, "before")
            S = similarity_matrix(tr, feats, *rank_batch(feats, settings, tr.seed))
            out.update(probe_after=after.test_acc, C_after=after.C, probe_before=before.test_acc, C_before=before.C,
                       spectrum=np.linalg.svd(S, compute_uv=False), rank=numerical_rank(S, settings.rank_tol),
                       eff_rank=effective_rank(S))
        out["eval_seconds"] = time.perf_counter() - t0
        return out

    return cached_arrays("wpce_eval", _eval_key(tr, feats, settings, kind), build)


def _eval_key(tr: Trained, feats: PairFeatures, settings: Settings, kind: str) -> dict:
    return {"run": head_key(tr.variant, feats, settings.with_(lr=tr.lr, embed_dim=tr.embed_dim), tr.seed, tr.device),
            "kind": kind, "eval": {k: getattr(settings, k) for k in EVAL_FIELDS}, "rank_tol": settings.rank_tol,
            "code": _eval_code()}


def _eval_code() -> str:
    from ...cache import code_hash

    return code_hash("xmodal.papers.wpce.pipeline", "xmodal.evaluation", "xmodal.align")


def _evaluated(job, feats, device) -> bool:
    name, s, seed, kind = job
    if not head_cached(name, feats, s, seed, device):
        return False
    if kind is None:
        return True
    tr = train_heads(name, feats, s, seed, device, progress_bar=False)
    return is_cached("wpce_eval", _eval_key(tr, feats, s, kind))


def _do(job, feats, device, progress_bar=False):
    """One job (variant, settings, seed, kind): train (cached) and, with a kind, evaluate (cached)."""
    name, s, seed, kind = job
    seed_everything(seed)  # nothing here draws from the global RNGs; this makes sure of it whatever the job order
    tr = train_heads(name, feats, s, seed, device, progress_bar)
    return tr, (evaluate(tr, feats, s, kind) if kind else None)


_WORKER: dict = {}


def _pool_init(feats, scale, device):
    _WORKER.update(feats=feats, scale=scale, device=device)


def _pool_job(job):
    with runtime.use(_WORKER["scale"]):  # one thread per worker: the bits of a serial run
        _do(job, _WORKER["feats"], _WORKER["device"])
    return job[0], int(job[2])


def _cost(job) -> float:
    """A rough cost of a job for the pool's order (dearest first; the order changes no result)."""
    v, s, _, kind = VARIANTS[job[0]], job[1], job[2], job[3]
    per_step = 1.0 if v.head == "clip" or v.points == "pooled" else 12.0 + (4.0 if v.alphas[1] > 0 else 0.0)
    return per_step * s.steps + (200.0 if kind == "main" else 0.0)


def _pool(jobs: list, feats: PairFeatures, settings: Settings, device, workers: int | None, desc: str) -> None:
    """Fill the caches of the jobs not cached yet, in a pool of ``workers`` processes (nothing with one)."""
    from ...parallel import fill_cache

    fill_cache(jobs, lambda j: _evaluated(j, feats, device), _pool_job, workers, desc=desc, unit="head",
               order=lambda j: -_cost(j), initializer=_pool_init, initargs=(feats, settings.scale, str(device)))


def _row(tr: Trained) -> dict:
    h = tr.history
    return dict(variant=tr.variant.name, seed=tr.seed, d=tr.embed_dim, lr=tr.lr, logit_scale=float(tr.scale().detach()),
                final_loss=float(tr.losses[-max(1, len(tr.losses) // 10):].mean()), val_loss=tr.val_loss,
                steps_run=len(tr.losses), best_step=h.best_step if h.best_step is not None else len(tr.losses),
                plateaued=bool(h.stopped), train_seconds=h.seconds)


def _run(settings: Settings, feats: PairFeatures, device, progress_bar: bool, workers: int | None) -> Results:
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    res = Results(pd.DataFrame(columns=COLUMNS))
    first = int(settings.seeds[0])
    names = list(settings.variants)
    missing = [n for n in settings.sweep_variants if n not in names]
    if missing and settings.sweep_seeds and settings.sweep_dims:
        raise ValueError(f"sweep variants {missing} are not among settings.variants {settings.variants}: their "
                         "learning rate is chosen there")
    # round 1: the learning-rate grid on the first seed
    _pool([(n, settings.with_(lr=float(lr)), first, None) for n in names for lr in settings.lr_grid], feats, settings,
          device, workers, "Part B lr grid")
    grids, lrs = [], {}
    for n in names:
        tr, grid = select_lr(n, feats, settings, first, device, progress_bar)
        grids.append(grid)
        lrs[n] = tr.lr
    res.lr_grid = pd.concat(grids, ignore_index=True)
    # round 2: every seed at the chosen rate (the first seed's chosen run is cached already), then the d-sweep
    main = [(n, settings.with_(lr=lrs[n]), int(seed), "main") for seed in settings.seeds for n in names
            if not (n in settings.few_seed_variants and seed not in settings.seeds[: settings.few_seeds])]
    sweep = [(n, settings.with_(lr=lrs[n], embed_dim=int(d)), int(seed), "zeroshot") for d in settings.sweep_dims
             for n in settings.sweep_variants for seed in settings.seeds[: settings.sweep_seeds]]
    _pool(main + sweep, feats, settings, device, workers, "Part B runs")
    rows, memo = [], {}
    for job in progress(main, desc="Part B runs", disable=not progress_bar):
        tr, ev = _do(job, feats, device, progress_bar)
        name, seed = job[0], job[2]
        before = ProbeResult(C=float(ev["C_before"]), val_acc={}, test_acc=float(ev["probe_before"]))
        if name in settings.before_variants and tr.is_clip:  # the frozen backbone's pooled feature: the same for every seed
            if "clip_before" not in memo:
                memo["clip_before"] = probe(tr, feats, settings, "before")
            before = memo["clip_before"]
        res.curves[(name, seed)] = tr.losses
        res.val_curves[(name, seed)] = [(st, m["val_loss"]) for st, m in tr.history.evals]
        res.spectra[(name, seed)] = np.asarray(ev["spectrum"])
        zs = np.asarray(ev["zeroshot"])
        rows.append(dict(_row(tr), zeroshot=float(zs.mean()), zeroshot_draw_std=float(zs.std()),
                         probe_after=float(ev["probe_after"]), probe_before=before.test_acc, C_after=float(ev["C_after"]),
                         C_before=before.C, rank=int(ev["rank"]), eff_rank=float(ev["eff_rank"]),
                         eval_seconds=float(ev["eval_seconds"])))
    res.table = pd.DataFrame(rows, columns=COLUMNS)
    out = []
    for job in progress(sweep, desc="Part B d-sweep", disable=not progress_bar):
        tr, ev = _do(job, feats, device, progress_bar)
        zs = np.asarray(ev["zeroshot"])
        out.append(dict(_row(tr), zeroshot=float(zs.mean()), zeroshot_draw_std=float(zs.std())))
    res.sweep = pd.DataFrame(out, columns=SWEEP_COLUMNS)
    return res


def sweep_table(res: Results, settings: Settings) -> pd.DataFrame:
    """Zero-shot per (variant, d) over the sweep seeds, with d = embed_dim from the main table (same seeds):
    long format with columns variant, d, seed, zeroshot."""
    main = res.table[res.table["seed"].isin(settings.seeds[: settings.sweep_seeds])
                     & res.table["variant"].isin(settings.sweep_variants)]
    cols = ["variant", "d", "seed", "zeroshot"]
    return pd.concat([res.sweep[cols], main[cols]], ignore_index=True).sort_values(["variant", "d", "seed"],
                                                                                    ignore_index=True)


# ----------------------------------------------------------------------------------------------------
# Summaries and tables

METRICS = ("zeroshot", "probe_after", "probe_before", "rank", "eff_rank")


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds per variant: columns ``<metric>_mean``, ``<metric>_std`` (std with ddof=1,
    0 for a single seed), plus ``zeroshot_draw_std`` (mean over seeds) and ``n_seeds``; index = variant."""
    need = {"variant", "seed", *METRICS, "zeroshot_draw_std"}
    if not need.issubset(table.columns):
        raise ValueError(f"table lacks columns {sorted(need - set(table.columns))}; pass Results.table")
    g = table.groupby("variant", sort=False)
    out = pd.DataFrame(index=pd.Index(list(g.groups), name="variant"))
    for m in METRICS:
        out[f"{m}_mean"] = g[m].mean()
        out[f"{m}_std"] = g[m].std(ddof=1).fillna(0.0)
    out["zeroshot_draw_std"] = g["zeroshot_draw_std"].mean()
    out["n_seeds"] = g["seed"].nunique()
    return out.loc[[v for v in VARIANTS if v in out.index]]


def per_seed(table: pd.DataFrame, variant: str, metric: str) -> np.ndarray:
    """(n_seeds,) values of ``metric`` for ``variant``, ordered by seed (the pairing of :func:`xmodal.claims.compare`)."""
    sub = table[table["variant"] == variant].sort_values("seed")
    if sub.empty:
        raise ValueError(f"no rows for variant {variant!r}; the table has {sorted(set(table['variant']))}")
    return sub[metric].to_numpy(np.float64)


def _pm(m: float, s: float, pct: bool = True) -> str:
    if not math.isfinite(m):
        return "—"
    return f"{100 * m:.1f} ± {100 * s:.1f}" if pct else f"{m:.1f} ± {s:.1f}"


def table_zeroshot(summary: pd.DataFrame, variants=("clip", "wpce_gauss", "wpce_imq")) -> pd.DataFrame:
    """Table 1 analogue: zero-shot top-1 (%) per method, mean ± std over seeds and the mean RFF-draw std."""
    rows = [{"method": VARIANTS[v].label, "zero-shot top-1 (%)": _pm(summary.at[v, "zeroshot_mean"], summary.at[v, "zeroshot_std"]),
             "RFF-draw std (%)": round(100 * summary.at[v, "zeroshot_draw_std"], 2)} for v in variants if v in summary.index]
    return pd.DataFrame(rows)


def table_probe(summary: pd.DataFrame, variants=("clip", "wpce_gauss", "wpce_imq")) -> pd.DataFrame:
    """Table 2 analogue: linear-probe test accuracy (%), after and before projection."""
    rows = [{"method": VARIANTS[v].label,
             "after projection (%)": _pm(summary.at[v, "probe_after_mean"], summary.at[v, "probe_after_std"]),
             "before projection (%)": _pm(summary.at[v, "probe_before_mean"], summary.at[v, "probe_before_std"])}
            for v in variants if v in summary.index]
    return pd.DataFrame(rows)


def table_ablations(summary: pd.DataFrame) -> pd.DataFrame:
    """Table 3 analogue: every WPCE variant (weights, linear-only, kernels and scales) on all three metrics."""
    rows = [{"method": VARIANTS[v].label, "zero-shot (%)": _pm(summary.at[v, "zeroshot_mean"], summary.at[v, "zeroshot_std"]),
             "probe after (%)": _pm(summary.at[v, "probe_after_mean"], summary.at[v, "probe_after_std"]),
             "probe before (%)": _pm(summary.at[v, "probe_before_mean"], summary.at[v, "probe_before_std"])}
            for v in summary.index if v != "clip"]
    return pd.DataFrame(rows)


def table_rank(summary: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Numerical rank (σ ≥ rank_tol·σ_max) and effective rank of the B × B batch similarity matrix."""
    rows = [{"method": VARIANTS[v].label, "batch B": settings.rank_batch, "d": settings.embed_dim,
             "numerical rank": _pm(summary.at[v, "rank_mean"], summary.at[v, "rank_std"], pct=False),
             "effective rank": _pm(summary.at[v, "eff_rank_mean"], summary.at[v, "eff_rank_std"], pct=False)}
            for v in summary.index]
    return pd.DataFrame(rows)
