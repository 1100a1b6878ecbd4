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
from .paper import TRAIN_RULE

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

#: Part A methods: CLIP tables, WPCE point tables, WPCE with α₂ = 0, the rank-d SVD truncation of the PMI
#: (not trained, not a bound: see :func:`~.synthetic.pmi_rank_d`)
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
    :data:`METHODS`; seeds: the training seeds; floor_dim: the d of the CLIP run that measures the optimisation
    floor of claim 02-1 (None: N, which is ≥ rank(PMI) + 1 whatever the PMI, so the rank limit cannot bind there
    and its gap is optimisation only). Claim 02-1's margin above that floor is registered in
    :data:`~.paper.REGISTRY`, not set here.
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
    floor_dim: int | None = None

    def __post_init__(self):
        get_scale(self.scale)
        if self.floor_dim is not None and int(self.floor_dim) < 1:
            raise ValueError(f"floor_dim must be >= 1 or None (= n_items), got {self.floor_dim!r}")
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
        # default: the WPCE α₂ = 0 control is left out (its ~110 s pay for Part B's seeds and sweep); add
        # "wpce_linear" to methods to see it
        return cls(scale=scale, seeds=seeds, methods=("clip", "wpce", "pmi_rank_d"))

    @property
    def floor_d(self) -> int:
        """d of the CLIP floor run: ``floor_dim`` or N."""
        return int(self.floor_dim) if self.floor_dim is not None else int(self.n_items)

    def with_(self, **kw) -> "SyntheticSettings":
        return replace(self, **kw)

    @property
    def train_config(self) -> TrainConfig:
        """The trainer's settings: Adam (AdamW, weight decay 0), warm-up + cosine."""
        return TrainConfig(steps=self.steps, batch_size=self.batch_size, lr=self.lr, weight_decay=0.0,
                           warmup=self.warmup)


POINTS = ("tokens", "pooled")


@dataclass(frozen=True)
class Variant:
    """One head of the comparison: ``head`` "clip" or "wpce"; for WPCE the kernel ("gauss" σ / "imq" c),
    its scale, the weight activation ("signed" a·tanh(u/a) / "positive" a·sigmoid(u/a)), (α₁, α₂),
    ``points`` ("tokens": every token is a point; "pooled": M = 1, the pooled feature CLIP reads) and
    ``w0`` (None: the paper's weight-head initialisation, u ≈ N(0, 1); a number: a constant offset
    makes every initial weight ≈ w0, :meth:`xmodal.contrastive.WPCEHead.offset_for`)."""

    name: str
    label: str
    head: str = "wpce"
    kernel: str = "gauss"
    kernel_scale: float = 0.5
    weight: str = "signed"
    alphas: tuple[float, float] = (2 / 3, 1 / 3)
    points: str = "tokens"
    w0: float | None = None

    def __post_init__(self):
        if self.head not in ("clip", "wpce"):
            raise ValueError(f"Variant {self.name}: head must be 'clip' or 'wpce', got {self.head!r}")
        if self.points not in POINTS:
            raise ValueError(f"Variant {self.name}: points must be one of {POINTS}, got {self.points!r}")


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("clip", "CLIP", head="clip"),
    Variant("wpce_pooled", "WPCE M=1 pooled, α₂=0 (nested control)", points="pooled", alphas=(2 / 3, 0.0)),
    Variant("wpce_gauss", "WPCE Gaussian σ=0.5"),
    Variant("wpce_imq", "WPCE IMQ c=0.5", kernel="imq"),
    Variant("wpce_positive", "WPCE positive weights (paper init, w≈50)", weight="positive"),
    Variant("wpce_positive_w1", "WPCE positive weights (init w≈1)", weight="positive", w0=1.0),
    Variant("wpce_linear", "WPCE linear (α₂=0)", alphas=(2 / 3, 0.0)),
    Variant("wpce_gauss_s1", "WPCE Gaussian σ=1.0", kernel_scale=1.0),
    Variant("wpce_gauss_s025", "WPCE Gaussian σ=0.25", kernel_scale=0.25),
)}

_MAIN = ("clip", "wpce_pooled", "wpce_gauss", "wpce_imq", "wpce_positive", "wpce_positive_w1", "wpce_linear",
         "wpce_gauss_s1")


@dataclass(frozen=True)
class Settings:
    """All sizes of a Part B run (scaled down from the paper's recipe, :data:`~.paper.PAPER`).

    scale/data_seed: which world; seeds: training seeds; views: image views per instance used;
    image_resize: EfficientNet input size (None = the render size); caption_levels / paraphrases: the
    captions a training pair draws from (uniformly); text_chunk: texts per encoder call; text_buckets:
    length buckets of the text embedding; embed_dim: d; n_features_*: D for training, zero-shot and
    probing; steps/batch_size/lr/betas/weight_decay/warmup: the trainer (AdamW, decay on matrices only,
    warm-up + cosine); probe_C / probe_max_iter: the probe's C grid; probe_views: the probe uses views
    ``< probe_views``; before_variants: variants that also get the (1280-d) "before projection" probe
    (context only: for CLIP it is the frozen backbone); rank_batch/rank_tol: batch and threshold of the
    numerical rank. The claims' margins (the smallest differences of interest) are registered in
    :data:`~.paper.REGISTRY`, not set here.

    Budget rule (the same for every head; at default :data:`~.paper.TRAIN_RULE`): at most ``steps`` steps (the
    step cap; the cosine schedule runs over it, down to ``lr_min``), a validation InfoNCE every ``eval_every``
    steps on ``val_pairs`` fixed validation pairs, stop after ``patience`` evaluations without an improvement
    of more than ``min_delta`` nats and keep the best (:func:`xmodal.train.fit`'s plateau rule); the learning rate
    of each variant is chosen from ``lr_grid`` by that validation loss on the first seed only, then used
    for every seed and every swept d. ``sweep_dims`` / ``sweep_variants`` / ``sweep_seeds``: the d's below
    the number of classes where the rank limit can bind (zero-shot only), for the first ``sweep_seeds``
    seeds. ``few_seed_variants`` run only the first ``few_seeds`` seeds (comparisons pair the common seeds).
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
    lr_grid: tuple[float, ...] = (2e-3, 5e-3, 1e-2)
    eval_every: int = 25
    patience: int = 3
    min_delta: float = 0.0
    lr_min: float = 0.0
    lr_drops: int = 0
    lr_factor: float = 0.1
    val_pairs: int = 512
    sweep_dims: tuple[int, ...] = (4, 8, 16, 32)
    sweep_variants: tuple[str, ...] = ("clip", "wpce_gauss")
    sweep_seeds: int = 3
    few_seed_variants: tuple[str, ...] = ()
    few_seeds: int = 3

    def __post_init__(self):
        get_scale(self.scale)
        if not self.lr_grid or any(not (float(x) > 0) for x in self.lr_grid):
            raise ValueError(f"lr_grid must be a non-empty tuple of positive learning rates, got {self.lr_grid!r}")
        if any(int(d) < 1 for d in self.sweep_dims):
            raise ValueError(f"sweep_dims must be positive integers, got {self.sweep_dims!r}")
        bad_sweep = [v for v in self.sweep_variants if v not in VARIANTS]
        if bad_sweep:
            raise ValueError(f"unknown sweep_variants {bad_sweep}; valid: {', '.join(VARIANTS)}")
        if not (self.min_delta >= 0) or not (0 <= self.lr_min <= min(self.lr_grid + (self.lr,))):
            raise ValueError(f"need min_delta >= 0 and 0 <= lr_min <= every learning rate, got {self.min_delta}, "
                             f"{self.lr_min}")
        if self.patience < 0 or self.eval_every < 1 or self.val_pairs < 2 or self.sweep_seeds < 0:
            raise ValueError(f"need patience >= 0, eval_every >= 1, val_pairs >= 2 and sweep_seeds >= 0, got "
                             f"{self.patience}, {self.eval_every}, {self.val_pairs}, {self.sweep_seeds}")
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
                       zeroshot_draws=3, steps=40, batch_size=64, warmup=5, probe_C=(0.1, 1.0), rank_batch=64,
                       lr_grid=(5e-3, 1e-2), eval_every=10, patience=2, val_pairs=64, sweep_dims=(4,),
                       sweep_seeds=2, variants=("clip", "wpce_pooled", "wpce_gauss", "wpce_imq", "wpce_positive_w1",
                                                "wpce_linear", "wpce_gauss_s1"))
        if sc.name == "full":
            return cls(**base, image_resize=128, embed_dim=512, n_features_train=1024, steps=3000, batch_size=512,
                       rank_batch=1024, probe_views=sc.views, variants=tuple(VARIANTS),
                       before_variants=tuple(VARIANTS))
        # default: 5 seeds (claims 02-4/02-5 need >= 5), 128-px input (a 4×4 map: 17 image points) for one view
        # per instance (4× the pixels of a 64-px view: 1 view at 128 px costs about 2 views at 64 px)
        base["seeds"] = tuple(int(seed) + k for k in range(5))
        base["views"] = 1
        # training: the budget rule registered in paper.TRAIN_RULE (the same for every head)
        rule = {k: TRAIN_RULE[k] for k in ("steps", "eval_every", "patience", "min_delta", "lr_grid", "lr_drops",
                                           "lr_factor")}
        return cls(**base, image_resize=128, batch_size=128, **rule, zeroshot_draws=3,
                   before_variants=("clip", "wpce_gauss"),
                   few_seed_variants=("wpce_positive", "wpce_positive_w1"), few_seeds=3)

    def with_(self, **kw) -> "Settings":
        return replace(self, **kw)

    @property
    def variant_objects(self) -> list[Variant]:
        return [VARIANTS[v] for v in self.variants]

    @property
    def train_config(self) -> TrainConfig:
        """The trainer's settings: AdamW (decay on matrices only), linear warm-up + cosine decay over
        ``steps``, a validation loss every ``eval_every`` steps and the plateau stop after ``patience``."""
        return TrainConfig(steps=self.steps, batch_size=self.batch_size, lr=self.lr, lr_min=self.lr_min,
                           betas=tuple(self.betas), weight_decay=self.weight_decay, warmup=self.warmup,
                           eval_every=self.eval_every, patience=self.patience, min_delta=self.min_delta,
                           monitor="val_loss", restore_best=True, lr_drops=self.lr_drops, lr_factor=self.lr_factor)


_SHOWN = {
    "A": ("seeds", "n_items", "kappa", "noise", "dims", "n_points", "n_features", "steps", "batch_size", "lr"),
    "B": ("seeds", "variants", "views", "image_resize", "embed_dim", "n_features_train", "n_features_zeroshot",
          "n_features_probe", "steps", "eval_every", "patience", "min_delta", "lr_grid", "batch_size", "weight_decay",
          "sweep_dims", "sweep_variants", "sweep_seeds", "rank_batch"),
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
