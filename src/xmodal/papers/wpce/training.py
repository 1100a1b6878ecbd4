"""Paper 02, Part B: training the CLIP / WPCE heads on frozen features, cached on disk.

The towers are frozen (:mod:`.features`); only the heads learn (:mod:`xmodal.contrastive.heads`), with
symmetric InfoNCE through the project's one trainer (:func:`xmodal.train.fit`):

* ``clip``: pooled feature → linear projection → L2-normalise; logits = s ⟨u, v⟩, s = exp(t) ≤ 100.
* WPCE variants: per-token projection v_i = P x_i and weight w_i = act(q·LN(x_i) + c);
  sim(A, B) = (1/(M M')) Σ_i Σ_j w_i w'_j [α₁⟨v̂_i, v̂'_j⟩ + α₂ k(v̂_i, v̂'_j)], computed with random
  Fourier features (D_train per step, Ω and b redrawn every step); logits = s·sim, s = clamp(t, 1, 100).

A trained run (weights and :class:`~xmodal.train.History`) is cached on disk (``wpce_heads``), keyed by the
variant, the settings the training reads (:data:`TRAIN_FIELDS`), the seed, a hash of the features, the code
and the numerics (thread count, CPU kernels): a cached run is loaded bit for bit instead of retrained.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch

from ...cache import code_hash, is_cached
from ...contrastive import RFF, CLIPHead, LogitScale, WPCEHead, gather_packed, info_nce
from ...runtime import numerics_key
from ...seed import make_rng, make_torch_generator, seeded_init
from ...train import History, cached_training, fit
from .features import PairFeatures
from .settings import VARIANTS, Settings, Variant

__all__ = ["Trained", "train_heads", "select_lr", "embed_texts", "image_points", "val_pairs", "TRAIN_FIELDS",
           "features_key", "head_key", "head_cached"]

#: The fields of :class:`~.settings.Settings` a training run reads (its cache key; nothing else changes its bits).
TRAIN_FIELDS = ("embed_dim", "n_features_train", "steps", "batch_size", "lr", "lr_min", "betas", "weight_decay",
                "warmup", "eval_every", "patience", "min_delta", "val_pairs", "text_buckets", "lr_drops", "lr_factor")


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
        """(steps run,) batch InfoNCE."""
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
    rows = torch.as_tensor(rows, dtype=torch.long, device=T["img_tokens"].device).reshape(-1)
    if variant.points == "pooled":
        return torch.index_select(T["img_pooled"], 0, rows)[:, None, :]
    return torch.index_select(T["img_tokens"], 0, rows)  # the same values as T[...][rows], ~2x faster on CPU


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


# ----------------------------------------------------------------------------------------------------
# The cache key of a run

_FEATURE_ARRAYS = ("img_tokens", "img_pooled", "img_label", "img_split", "img_instance", "txt_flat", "txt_offsets",
                   "txt_pooled", "caption_ids", "prompt_ids")


def features_key(feats: PairFeatures) -> str:
    """SHA-256 (24 hex) of every array of ``feats`` the heads and their evaluation read (computed once per object)."""
    memo = feats._tensor_cache
    if "__key__" not in memo:
        h = hashlib.sha256()
        for name in _FEATURE_ARRAYS:
            a = np.ascontiguousarray(getattr(feats, name))
            h.update(f"{name}{a.shape}{a.dtype}".encode())
            h.update(a.view(np.uint8).reshape(-1).data)
        h.update(repr((feats.categories, None if feats.img_view is None else feats.img_view.tolist())).encode())
        memo["__key__"] = h.hexdigest()[:24]
    return memo["__key__"]


def _code() -> str:
    return code_hash("xmodal.papers.wpce.training", "xmodal.contrastive", "xmodal.train", "xmodal.seed")


def head_key(variant: Variant | str, feats: PairFeatures, settings: Settings, seed: int, device="cpu") -> dict:
    """The cache parameters of one training run (:func:`train_heads`)."""
    variant = VARIANTS[variant] if isinstance(variant, str) else variant
    return {"variant": asdict(variant), "train": {k: getattr(settings, k) for k in TRAIN_FIELDS}, "seed": int(seed),
            "features": features_key(feats), "device": str(torch.device(device)), "code": _code(),
            "numerics": numerics_key()}


def head_cached(variant, feats: PairFeatures, settings: Settings, seed: int, device="cpu") -> bool:
    """Whether the run of :func:`train_heads` with these arguments is already in the cache."""
    return is_cached("wpce_heads", head_key(variant, feats, settings, seed, device))


# ----------------------------------------------------------------------------------------------------
# Training


def _build(variant: Variant, feats: PairFeatures, settings: Settings, seed: int):
    d = settings.embed_dim
    img_dim, txt_dim = feats.img_tokens.shape[2], feats.txt_flat.shape[1]
    with seeded_init(seed, "wpce", "init", variant.head):
        if variant.head == "clip":
            return CLIPHead(img_dim, d), CLIPHead(txt_dim, d), LogitScale.clip()
        off = 0.0 if variant.w0 is None else WPCEHead.offset_for(variant.weight, variant.w0)
        return (WPCEHead(img_dim, d, variant.weight, offset=off), WPCEHead(txt_dim, d, variant.weight, offset=off),
                LogitScale.wpce())


def _fit(mods, variant: Variant, feats: PairFeatures, settings: Settings, seed: int, device, progress_bar: bool):
    image_head, text_head, scale = mods
    d = settings.embed_dim
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
            fi = image_head(torch.index_select(T["img_pooled"], 0, rows))
            ft = text_head(torch.index_select(T["txt_pooled"], 0, cap))
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
    return hist


_PARTS = ("i:", "t:", "s:")


def train_heads(variant: Variant | str, feats: PairFeatures, settings: Settings, seed: int, device="cpu",
                progress_bar: bool = True, cache: bool = True) -> Trained:
    """Train one variant's heads with symmetric InfoNCE on training image–caption pairs (:func:`xmodal.train.fit`).

    Every step takes ``batch_size`` training image views (epoch-wise permutations drawn by the trainer
    from a generator of ``seed``) and pairs each with one caption of its instance drawn uniformly from
    ``caption_ids``. Batches, caption draws and the initialisation depend on ``seed`` only (not on the
    variant), so every variant sees the same data. WPCE redraws Ω and b of its RFF (D = n_features_train)
    every step. AdamW (weight decay on matrices only), linear warm-up + cosine decay over ``steps`` (the
    step cap); every ``eval_every`` steps the InfoNCE of the fixed :func:`val_pairs` (WPCE: one fixed RFF
    draw) is the validation loss of the plateau rule (``patience``, ``min_delta``), and the best parameters
    are kept (``History.stopped``: the run ended on its plateau before the cap).

    ``cache``: load the run from the on-disk cache when present, store it otherwise (:func:`head_key`);
    False trains without touching the cache.
    """
    variant = VARIANTS[variant] if isinstance(variant, str) else variant
    (image_head, text_head, scale), hist, _ = cached_training(
        "wpce_heads", head_key(variant, feats, settings, seed, device), lambda: _build(variant, feats, settings, seed),
        lambda mods: _fit(mods, variant, feats, settings, seed, device, progress_bar), prefix=_PARTS,
        hist_prefix="h:", cache=cache, device=device)
    return Trained(variant, int(seed), image_head, text_head, scale, hist, settings.embed_dim, str(device),
                   float(settings.lr))


def select_lr(variant: Variant | str, feats: PairFeatures, settings: Settings, seed: int, device="cpu",
              progress_bar: bool = True) -> tuple[Trained, pd.DataFrame]:
    """Train ``variant`` at every learning rate of ``settings.lr_grid`` (seed ``seed``) and keep the run with
    the lowest validation loss (ties: the first in the grid). Returns (that run, one row per lr: variant,
    d, seed, lr, val_loss, steps_run, best_step, plateaued, chosen)."""
    variant = VARIANTS[variant] if isinstance(variant, str) else variant
    runs = [train_heads(variant, feats, settings.with_(lr=float(lr)), seed, device, progress_bar)
            for lr in settings.lr_grid]
    best = int(np.argmin([r.val_loss for r in runs]))
    grid = pd.DataFrame([dict(variant=variant.name, d=settings.embed_dim, seed=seed, lr=r.lr, val_loss=r.val_loss,
                              steps_run=len(r.losses), best_step=r.history.best_step, plateaued=bool(r.history.stopped),
                              chosen=i == best)
                         for i, r in enumerate(runs)])
    return runs[best], grid
