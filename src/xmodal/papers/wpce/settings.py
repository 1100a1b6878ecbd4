"""Settings of paper 02: Part A (:class:`SyntheticSettings`) and Part B (:class:`Settings`), the Part B
variants and the prompt templates.

Both have the same preset idiom, ``X.for_scale(scale, seed=0)``: the scale's sizes, and training seeds
``seed + k`` for k in the scale's seeds (``seed = 0`` gives the scale's own seeds), so a notebook's
``seed`` reaches every run.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from ...config import get_scale
from ...train import TrainConfig
from .paper import CLOSE_TOL, GAP_TOL, MARGIN_FLOOR

__all__ = ["TEMPLATES", "Variant", "VARIANTS", "METHODS", "SyntheticSettings", "Settings", "settings_frame"]

#: Prompt templates of the zero-shot classifier ({} = the category name with "_" -> " ").
TEMPLATES = (
    "a {}.",
    "a photo of a {}.",
    "a render of a {}.",
    "a 3D model of a {}.",
    "an image of the {}.",
    "a picture of a small {}.",
)

#: Part A methods: CLIP tables, WPCE point tables, WPCE with α₂ = 0, the best rank-d PMI (not trained)
METHODS = ("clip", "wpce", "wpce_linear", "pmi_rank_d")


def _seeds(scale: str, seed: int) -> tuple[int, ...]:
    return tuple(int(seed) + int(k) for k in get_scale(scale).seeds)


@dataclass(frozen=True)
class SyntheticSettings:
    """All sizes of a Part A run.

    n_items: N; kappa, kappa2, noise: κ, κ₂, λ of :func:`~.synthetic.joint_distribution`; dims: the d's
    swept; n_points: M points per item (WPCE); n_features: D (RFF); kernel / kernel_scale: Gaussian σ;
    alphas: (α₁, α₂); steps, batch_size, lr, warmup: Adam (AdamW without decay) with linear warm-up +
    cosine decay; rank_tol: relative singular-value threshold of the numerical rank; methods: subset of
    :data:`METHODS`; seeds: the training seeds; gap_tol: claim 02-1's threshold (nats).
    """

    scale: str = "default"
    n_items: int = 64
    kappa: float = 100.0
    kappa2: float = 0.5
    noise: float = 0.1
    dims: tuple[int, ...] = (2, 4, 8, 16)
    n_points: int = 8
    n_features: int = 256
    kernel: str = "gauss"
    kernel_scale: float = 0.5
    alphas: tuple[float, float] = (2 / 3, 1 / 3)
    steps: int = 2000
    batch_size: int = 256
    lr: float = 0.1
    warmup: int = 50
    rank_tol: float = 1e-3
    methods: tuple[str, ...] = METHODS
    seeds: tuple[int, ...] = (0, 1, 2)
    gap_tol: float = GAP_TOL

    def __post_init__(self):
        get_scale(self.scale)
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"unknown methods {bad}; valid methods are {', '.join(METHODS)}")
        if self.n_items < 3 or any(int(d) < 1 for d in self.dims) or self.n_points < 1 or self.steps < 1:
            raise ValueError("need n_items >= 3, dims >= 1, n_points >= 1 and steps >= 1")
        if not (0 < self.noise < 1):
            raise ValueError(f"noise λ must lie in (0, 1) so that p > 0 everywhere, got {self.noise}")
        if not self.seeds:
            raise ValueError("seeds must be non-empty")

    @classmethod
    def for_scale(cls, scale: str, seed: int = 0) -> "SyntheticSettings":
        """Presets: ``ci`` (seconds), ``default`` (≤ 3 min on 2 cores), ``full`` (bigger, longer)."""
        seeds = _seeds(scale, seed)
        if scale == "ci":
            return cls(scale="ci", n_items=32, kappa=20.0, dims=(2, 4), n_points=4, n_features=128, steps=100,
                       batch_size=128, warmup=10, methods=("clip", "wpce", "pmi_rank_d"), seeds=seeds)
        if scale == "full":
            return cls(scale="full", n_items=128, kappa=200.0, dims=(2, 4, 8, 16, 32), n_points=16, n_features=1024,
                       steps=6000, batch_size=512, lr=0.05, warmup=200, seeds=seeds)
        return cls(scale=scale, seeds=seeds)

    def with_(self, **kw) -> "SyntheticSettings":
        return replace(self, **kw)

    @property
    def train_config(self) -> TrainConfig:
        """The trainer's settings: Adam (AdamW, weight decay 0), warm-up + cosine."""
        return TrainConfig(steps=self.steps, batch_size=self.batch_size, lr=self.lr, weight_decay=0.0,
                           warmup=self.warmup)


@dataclass(frozen=True)
class Variant:
    """One head of the comparison: ``head`` "clip" or "wpce"; for WPCE the kernel ("gauss" σ / "imq" c),
    its scale, the weight activation ("signed" a·tanh(u/a) / "positive" a·sigmoid(u/a)) and (α₁, α₂)."""

    name: str
    label: str
    head: str = "wpce"
    kernel: str = "gauss"
    kernel_scale: float = 0.5
    weight: str = "signed"
    alphas: tuple[float, float] = (2 / 3, 1 / 3)


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("clip", "CLIP", head="clip"),
    Variant("wpce_gauss", "WPCE Gaussian σ=0.5"),
    Variant("wpce_imq", "WPCE IMQ c=0.5", kernel="imq"),
    Variant("wpce_positive", "WPCE positive weights", weight="positive"),
    Variant("wpce_linear", "WPCE linear (α₂=0)", alphas=(2 / 3, 0.0)),
    Variant("wpce_gauss_s1", "WPCE Gaussian σ=1.0", kernel_scale=1.0),
    Variant("wpce_gauss_s025", "WPCE Gaussian σ=0.25", kernel_scale=0.25),
)}

_MAIN = ("clip", "wpce_gauss", "wpce_imq", "wpce_positive", "wpce_linear", "wpce_gauss_s1")


@dataclass(frozen=True)
class Settings:
    """All sizes of a Part B run (scaled down from the paper's recipe, :data:`~.paper.PAPER`).

    scale/data_seed: which world; seeds: training seeds; views: image views per instance used;
    image_resize: EfficientNet input size (None = the render size); caption_levels / paraphrases: the
    captions a training pair draws from (uniformly); text_chunk: texts per encoder call; text_buckets:
    length buckets of the text embedding; embed_dim: d; n_features_*: D for training, zero-shot and
    probing; steps/batch_size/lr/betas/weight_decay/warmup: the trainer (AdamW, decay on matrices only,
    warm-up + cosine); probe_C / probe_max_iter: the probe's C grid; probe_views: the probe uses views
    ``< probe_views``; before_variants: variants that also get the (1280-d) "before projection" probe;
    rank_batch/rank_tol: batch and threshold of the numerical rank; margin_floor: the smallest
    difference a comparison calls real; close_tol: "close" in claim 02-4.
    """

    scale: str = "default"
    data_seed: int = 0
    seeds: tuple[int, ...] = (0, 1, 2)
    variants: tuple[str, ...] = _MAIN
    views: int = 2
    image_resize: int | None = None
    caption_levels: tuple[int, ...] = (2, 3, 4)
    paraphrases: int = 1
    text_chunk: int = 4096
    text_buckets: int = 4
    templates: tuple[str, ...] = TEMPLATES
    embed_dim: int = 64
    n_features_train: int = 256
    n_features_zeroshot: int = 1024
    n_features_probe: int = 512
    zeroshot_draws: int = 5
    steps: int = 200
    batch_size: int = 256
    lr: float = 5e-3
    betas: tuple[float, float] = (0.9, 0.98)
    weight_decay: float = 0.1
    warmup: int = 20
    probe_C: tuple[float, ...] = (0.1, 1.0, 10.0)
    probe_max_iter: int = 100
    probe_views: int = 1
    before_variants: tuple[str, ...] = ("clip", "wpce_gauss", "wpce_imq")
    rank_batch: int = 128
    rank_tol: float = 1e-3
    margin_floor: float = MARGIN_FLOOR
    close_tol: float = CLOSE_TOL

    def __post_init__(self):
        get_scale(self.scale)
        bad = [v for v in self.variants if v not in VARIANTS]
        if bad:
            raise ValueError(f"unknown variants {bad}; valid: {', '.join(VARIANTS)}")
        for name in ("views", "probe_views", "paraphrases", "text_chunk", "text_buckets", "embed_dim",
                     "n_features_train", "n_features_zeroshot", "n_features_probe", "zeroshot_draws", "steps",
                     "batch_size", "rank_batch"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.caption_levels or not self.templates or not self.probe_C or not self.seeds:
            raise ValueError("caption_levels, templates, probe_C and seeds must be non-empty")

    @classmethod
    def for_scale(cls, scale: str, seed: int = 0, data_seed: int = 0) -> "Settings":
        """Presets. ``ci``: tiny and fast (the whole notebook well under 3 min); ``default``: ≤ 15 min cold on
        2 cores; ``full``: the paper's d = 512, longer training (a GPU or patience)."""
        sc = get_scale(scale)
        base = dict(scale=sc.name, data_seed=int(data_seed), seeds=_seeds(scale, seed), views=sc.views)
        if sc.name == "ci":
            return cls(**base, embed_dim=32, n_features_train=256, n_features_zeroshot=256, n_features_probe=64,
                       zeroshot_draws=3, steps=40, batch_size=64, warmup=5, probe_C=(0.1, 1.0), rank_batch=64)
        if sc.name == "full":
            return cls(**base, image_resize=128, embed_dim=512, n_features_train=1024, steps=3000, batch_size=512,
                       rank_batch=1024, probe_views=sc.views, variants=tuple(VARIANTS),
                       before_variants=tuple(VARIANTS))
        return cls(**base)

    def with_(self, **kw) -> "Settings":
        return replace(self, **kw)

    @property
    def variant_objects(self) -> list[Variant]:
        return [VARIANTS[v] for v in self.variants]

    @property
    def train_config(self) -> TrainConfig:
        """The trainer's settings: AdamW (decay on matrices only), linear warm-up + cosine decay."""
        return TrainConfig(steps=self.steps, batch_size=self.batch_size, lr=self.lr, betas=tuple(self.betas),
                           weight_decay=self.weight_decay, warmup=self.warmup)


_SHOWN = {
    "A": ("seeds", "n_items", "kappa", "noise", "dims", "n_points", "n_features", "steps", "batch_size", "lr"),
    "B": ("seeds", "variants", "views", "embed_dim", "n_features_train", "n_features_zeroshot", "n_features_probe",
          "steps", "batch_size", "lr", "weight_decay", "rank_batch"),
}


def settings_frame(settings_a: SyntheticSettings, settings_b: Settings) -> pd.DataFrame:
    """The main sizes of both parts as a small table (part, setting, value) for the notebook."""
    rows = [{"part": "A", "setting": k, "value": str(getattr(settings_a, k))} for k in _SHOWN["A"]]
    rows += [{"part": "B", "setting": k, "value": str(getattr(settings_b, k))} for k in _SHOWN["B"]]
    rows.insert(0, {"part": "A+B", "setting": "scale", "value": settings_b.scale})
    return pd.DataFrame(rows)


def as_dict(settings) -> dict:
    """Every field of a settings object as a plain dict (for ``results.json``)."""
    return asdict(settings)
