"""Paper 02, Part B: CLIP vs weighted point cloud embeddings (WPCE) heads on frozen world features.

The towers are frozen (:mod:`.features`); only the heads learn (:mod:`xmodal.contrastive.heads`), with
symmetric InfoNCE through the project's one trainer (:func:`xmodal.train.fit`):

* ``clip``: pooled feature → linear projection → L2-normalise; logits = s ⟨u, v⟩, s = exp(t) ≤ 100.
* WPCE variants: per-token projection v_i = P x_i and weight w_i = act(q·x_i + c);
  sim(A, B) = (1/(M M')) Σ_i Σ_j w_i w'_j [α₁⟨v̂_i, v̂'_j⟩ + α₂ k(v̂_i, v̂'_j)], computed with random
  Fourier features (D_train per step, Ω and b redrawn every step); logits = s·sim, s = clamp(t, 1, 100).

Evaluation (the paper's protocol): zero-shot top-1 over the categories with template-averaged class
features (no re-normalisation for WPCE) over ``zeroshot_draws`` RFF draws; a logistic-regression linear
probe (:func:`xmodal.evaluation.linear_probe`) on "after projection" features (CLIP: normalised
embedding; WPCE: [d linear | D_probe RFF]) and "before projection" features (CLIP: the backbone's
pooled feature; WPCE: the weighted mean of the backbone tokens); the numerical and effective rank of
the batch similarity matrix. :func:`run` / :func:`run_seeds` do it all under the scale's runtime policy.
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
from ...contrastive import RFF, CLIPHead, LogitScale, WPCEHead, gather_packed, info_nce, wpce_similarity_matrix_exact
from ...evaluation import ProbeResult, effective_rank, linear_probe, numerical_rank
from ...progress import progress
from ...seed import make_rng, make_torch_generator, seed_everything, seeded_init
from ...train import History, fit
from .features import PairFeatures, _chunks, load_features
from .settings import VARIANTS, Settings, Variant

__all__ = ["Trained", "train_heads", "embed_texts", "image_features", "text_features", "before_projection",
           "class_features", "zeroshot_accuracy", "zeroshot", "probe", "similarity_matrix", "rank_batch",
           "COLUMNS", "SWEEP_COLUMNS", "METRICS", "Results", "run", "run_seeds", "select_lr", "val_pairs",
           "image_points", "sweep_table", "summarise", "per_seed", "table_zeroshot",
           "table_probe", "table_ablations", "table_rank"]


# ----------------------------------------------------------------------------------------------------
# Training


@dataclass
class Trained:
    """Trained heads of one variant and seed (eval mode, on ``device``) and the trainer's :class:`History`."""

    variant: Variant
    seed: int
    image_head: torch.nn.Module
    text_head: torch.nn.Module
    scale: torch.nn.Module
    history: History
    embed_dim: int
    device: str = "cpu"
    lr: float = float("nan")

    @property
    def is_clip(self) -> bool:
        return self.variant.head == "clip"

    @property
    def val_loss(self) -> float:
        """The best validation InfoNCE of the run (the one whose parameters were kept); NaN without evals."""
        vals = [m["val_loss"] for _, m in self.history.evals if "val_loss" in m]
        return float(min(vals)) if vals else float("nan")

    @property
    def losses(self) -> np.ndarray:
        """(steps,) batch InfoNCE."""
        return self.history.loss

    def rff(self, n_features: int, generator: torch.Generator) -> RFF | None:
        """An evaluation RFF of this variant's kernel (None for CLIP), drawn from ``generator``.
        With α₂ = 0 the RFF block of :func:`wpce_embed` is identically zero whatever D, so a single
        feature stands in for it (same similarities, no wasted cosines)."""
        if self.is_clip:
            return None
        n_features = n_features if self.variant.alphas[1] > 0 else 1
        return RFF(self.embed_dim, n_features, self.variant.kernel, self.variant.kernel_scale, generator=generator,
                   device=self.device)


def _device_of(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def image_points(variant: Variant, T: dict, rows: torch.Tensor) -> torch.Tensor:
    """WPCE image point sets (B, M, dim) of image ``rows``: every token (M = 1 + h·w), or for
    ``points="pooled"`` the pooled feature CLIP reads as a single point (M = 1)."""
    return T["img_pooled"][rows][:, None, :] if variant.points == "pooled" else T["img_tokens"][rows]


def embed_texts(head: WPCEHead, feats: PairFeatures, ids, rff: RFF, alphas, buckets: int = 4,
                points: str = "tokens") -> torch.Tensor:
    """WPCE text features (B, d + D) of texts ``ids``: :meth:`WPCEHead.embed` on ``buckets`` groups of
    similar length (less padding to push through the RFF), reassembled in the order of ``ids``.
    Identical to one call on the whole batch: every set is pooled over its own valid tokens.
    ``points="pooled"``: one point per text, MiniLM's sentence embedding (the feature CLIP reads)."""
    dev = _device_of(head)
    T = feats.tensors(dev)
    ids = torch.as_tensor(ids, dtype=torch.long, device=dev)
    if points == "pooled":
        return head.embed(T["txt_pooled"][ids][:, None, :], rff, alphas)
    lengths = T["txt_offsets"][ids + 1] - T["txt_offsets"][ids]
    order = torch.argsort(lengths, stable=True)
    parts = []
    for chunk in torch.tensor_split(order, min(max(1, buckets), len(order))):
        tok, mask = gather_packed(T["txt_flat"], T["txt_offsets"], ids[chunk])
        parts.append(head.embed(tok, rff, alphas, mask=mask))
    return torch.cat(parts)[torch.argsort(order)]


def val_pairs(feats: PairFeatures, settings: Settings, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fixed validation batches [(image rows, caption ids)] for the plateau rule: up to ``val_pairs``
    validation views (view 0, one per instance) with one caption each (seeded), sorted, split into
    batches of ``batch_size`` (the remainder dropped; one smaller batch if there are fewer pairs)."""
    rows = feats.rows(1, 1)
    if len(rows) < 2:
        raise ValueError("need at least 2 validation image views for the validation loss")
    rng = make_rng(seed, "wpce", "val-pairs")
    rows = np.sort(rng.choice(rows, size=min(settings.val_pairs, len(rows)), replace=False))
    caps = feats.caption_ids[feats.img_instance[rows], rng.integers(0, feats.caption_ids.shape[1], size=len(rows))]
    b = min(settings.batch_size, len(rows))
    return [(rows[i:i + b], caps[i:i + b]) for i in range(0, len(rows) - b + 1, b)]


def train_heads(variant: Variant | str, feats: PairFeatures, settings: Settings, seed: int, device="cpu",
                progress_bar: bool = True) -> Trained:
    """Train one variant's heads with symmetric InfoNCE on training image–caption pairs (:func:`xmodal.train.fit`).

    Every step takes ``batch_size`` training image views (epoch-wise permutations drawn by the trainer
    from a generator of ``seed``) and pairs each with one caption of its instance drawn uniformly from
    ``caption_ids``. Batches, caption draws and the initialisation depend on ``seed`` only (not on the
    variant), so every variant sees the same data. WPCE redraws Ω and b of its RFF (D = n_features_train)
    every step. AdamW (weight decay on matrices only), linear warm-up + cosine decay over ``steps``; every
    ``eval_every`` steps the InfoNCE of the fixed :func:`val_pairs` (WPCE: one fixed RFF draw) is the
    validation loss of the plateau rule (``patience``), and the best parameters are kept.
    """
    if isinstance(variant, str):
        variant = VARIANTS[variant]
    d = settings.embed_dim
    img_dim, txt_dim = feats.img_tokens.shape[2], feats.txt_flat.shape[1]
    with seeded_init(seed, "wpce", "init", variant.head):
        if variant.head == "clip":
            image_head, text_head, scale = CLIPHead(img_dim, d), CLIPHead(txt_dim, d), LogitScale.clip()
        else:
            off = 0.0 if variant.w0 is None else WPCEHead.offset_for(variant.weight, variant.w0)
            image_head = WPCEHead(img_dim, d, variant.weight, offset=off)
            text_head = WPCEHead(txt_dim, d, variant.weight, offset=off)
            scale = LogitScale.wpce()
    rff = rff_val = None
    if variant.head != "clip":
        n_feat = settings.n_features_train if variant.alphas[1] > 0 else 1  # α₂ = 0: the RFF block is 0 anyway
        rff = RFF(d, n_feat, variant.kernel, variant.kernel_scale, device=device,
                  generator=make_torch_generator(seed, "wpce", "rff-train", variant.kernel, variant.kernel_scale))
        rff_val = RFF(d, n_feat, variant.kernel, variant.kernel_scale, device=device,
                      generator=make_torch_generator(seed, "wpce", "rff-val", variant.kernel, variant.kernel_scale))
    train_rows = torch.from_numpy(feats.rows(0))
    if len(train_rows) < 2:
        raise ValueError("need at least 2 training image views")
    T = feats.tensors(device)
    g_caption = make_torch_generator(seed, "wpce", "captions")
    K = feats.caption_ids.shape[1]

    def logits(rows, cap, rff_):
        if variant.head == "clip":
            fi, ft = image_head(T["img_pooled"][rows]), text_head(T["txt_pooled"][cap])
        else:
            fi = image_head.embed(image_points(variant, T, rows), rff_, variant.alphas)
            ft = embed_texts(text_head, feats, cap, rff_, variant.alphas, settings.text_buckets, variant.points)
        return scale() * fi @ ft.T

    def loss_fn(batch, _step):
        rows = train_rows[batch]
        k = torch.randint(0, K, (len(rows),), generator=g_caption)
        rows, k = rows.to(device), k.to(device)
        cap = T["caption_ids"][T["img_instance"][rows], k]
        if rff is not None:
            rff.resample()
        return info_nce(logits(rows, cap, rff))

    val = [(torch.as_tensor(r, device=device), torch.as_tensor(c, device=device))
           for r, c in val_pairs(feats, settings, seed)]

    def eval_fn(_step):
        return {"val_loss": float(np.mean([float(info_nce(logits(r, c, rff_val))) for r, c in val]))}

    hist = fit([image_head, text_head, scale], loss_fn, settings.train_config, n_items=len(train_rows),
               generator=make_torch_generator(seed, "wpce", "batches"), device=device, eval_fn=eval_fn,
               desc=f"train {variant.name} d={d} lr={settings.lr:g} seed={seed}", progress_bar=progress_bar)
    return Trained(variant, int(seed), image_head, text_head, scale, hist, d, str(device), float(settings.lr))


def select_lr(variant: Variant | str, feats: PairFeatures, settings: Settings, seed: int, device="cpu",
              progress_bar: bool = True) -> tuple[Trained, pd.DataFrame]:
    """Train ``variant`` at every learning rate of ``settings.lr_grid`` (seed ``seed``) and keep the run with
    the lowest validation loss (ties: the first in the grid). Returns (that run, one row per lr: variant,
    lr, val_loss, steps_run, best_step, chosen)."""
    if isinstance(variant, str):
        variant = VARIANTS[variant]
    runs = [train_heads(variant, feats, settings.with_(lr=float(lr)), seed, device, progress_bar)
            for lr in settings.lr_grid]
    best = int(np.argmin([r.val_loss for r in runs]))
    grid = pd.DataFrame([dict(variant=variant.name, d=settings.embed_dim, seed=seed, lr=r.lr, val_loss=r.val_loss,
                              steps_run=len(r.losses), best_step=r.history.best_step, chosen=i == best)
                         for i, r in enumerate(runs)])
    return runs[best], grid


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
           "train_seconds", "eval_seconds"]
SWEEP_COLUMNS = ["variant", "seed", "d", "lr", "zeroshot", "zeroshot_draw_std", "val_loss", "steps_run", "best_step",
                 "train_seconds"]


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


def run(settings: Settings, seed: int, feats: PairFeatures | None = None, progress_bar: bool = True) -> Results:
    """Train and evaluate every variant of ``settings`` for one training ``seed`` (the learning rate chosen
    on that seed), on the scale's device."""
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    return run_seeds(settings.with_(seeds=(int(seed),)), feats, progress_bar)


def run_seeds(settings: Settings, feats: PairFeatures | None = None, progress_bar: bool = True) -> Results:
    """Every variant for every seed of ``settings.seeds`` (features loaded once): the learning rate of
    each variant chosen on the first seed (:func:`select_lr`, whose chosen run is that seed's run), then
    the other seeds at that rate; then the d-sweep (zero-shot only) of ``sweep_variants`` at ``sweep_dims``
    for the first ``sweep_seeds`` seeds, each at its variant's chosen rate."""
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    with runtime.use(settings.scale) as rt:
        feats = feats if feats is not None else load_features(settings, progress_bar=progress_bar)
        return _run(settings, feats, rt.device, progress_bar)


def _row(tr: Trained) -> dict:
    h = tr.history
    return dict(variant=tr.variant.name, seed=tr.seed, d=tr.embed_dim, lr=tr.lr, logit_scale=float(tr.scale().detach()),
                final_loss=float(tr.losses[-max(1, len(tr.losses) // 10):].mean()), val_loss=tr.val_loss,
                steps_run=len(tr.losses), best_step=h.best_step if h.best_step is not None else len(tr.losses),
                train_seconds=h.seconds)


def _run(settings: Settings, feats: PairFeatures, device, progress_bar: bool) -> Results:
    res = Results(pd.DataFrame(columns=COLUMNS))
    rows, grids, memo, lrs = [], [], {}, {}
    first = int(settings.seeds[0])
    for seed in settings.seeds:
        seed = int(seed)
        seed_everything(seed)
        rank_rows, rank_text = rank_batch(feats, settings, seed)
        for v in progress(settings.variant_objects, desc=f"Part B seed={seed}", disable=not progress_bar):
            if v.name in settings.few_seed_variants and seed not in settings.seeds[: settings.few_seeds]:
                continue
            if seed == first:
                tr, grid = select_lr(v, feats, settings, seed, device, progress_bar)
                grids.append(grid)
                lrs[v.name] = tr.lr
            else:
                tr = train_heads(v, feats, settings.with_(lr=lrs[v.name]), seed, device, progress_bar)
            t0 = time.perf_counter()
            zs = zeroshot(tr, feats, settings)
            after = probe(tr, feats, settings, "after")
            before = ProbeResult(float("nan"), {}, float("nan"))
            if v.name in settings.before_variants:
                if v.head == "clip":  # the frozen backbone's pooled feature: the same for every seed
                    if "clip_before" not in memo:
                        memo["clip_before"] = probe(tr, feats, settings, "before")
                    before = memo["clip_before"]
                else:
                    before = probe(tr, feats, settings, "before")
            S = similarity_matrix(tr, feats, rank_rows, rank_text)
            res.curves[(v.name, seed)] = tr.losses
            res.val_curves[(v.name, seed)] = [(st, m["val_loss"]) for st, m in tr.history.evals]
            res.spectra[(v.name, seed)] = np.linalg.svd(S, compute_uv=False)
            rows.append(dict(_row(tr), zeroshot=float(zs.mean()), zeroshot_draw_std=float(zs.std()),
                             probe_after=after.test_acc, probe_before=before.test_acc, C_after=after.C,
                             C_before=before.C, rank=numerical_rank(S, settings.rank_tol), eff_rank=effective_rank(S),
                             eval_seconds=time.perf_counter() - t0))
    res.table = pd.DataFrame(rows, columns=COLUMNS)
    res.lr_grid = pd.concat(grids, ignore_index=True)
    sweep = []
    for d in progress(settings.sweep_dims, desc="Part B d-sweep", disable=not progress_bar):
        for name in settings.sweep_variants:
            if name not in lrs:
                raise ValueError(f"sweep variant {name!r} is not among settings.variants {settings.variants}: "
                                 "its learning rate is chosen there")
            for seed in settings.seeds[: settings.sweep_seeds]:
                tr = train_heads(name, feats, settings.with_(lr=lrs[name], embed_dim=int(d)), int(seed), device,
                                 progress_bar)
                zs = zeroshot(tr, feats, settings)
                sweep.append(dict(_row(tr), zeroshot=float(zs.mean()), zeroshot_draw_std=float(zs.std())))
    res.sweep = pd.DataFrame(sweep, columns=SWEEP_COLUMNS)
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
