"""Settings of paper 04 with their per-scale presets (one idiom: ``Settings.for_scale(scale, seed)``).

The defaults are the papers' constants where they apply (MERU: α₀ = 1/√d ≤ 1, s₀ = 1/0.07 ≤ 100, entailment
weight 0.2, K = 0.1, c₀ = 1 in [0.1, 10]; ATMG: fixed c = 0.1, the code's angle weight 0.2, the unconfirmed
centroid p = 2, q = 0.5, λ = 0.5) and our stand-in sizes otherwise; ``seed`` shifts the training seeds.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from ...config import get_scale
from ...train import TrainConfig

__all__ = ["METHODS", "Settings", "settings_frame"]

#: the methods trained for the main comparison (name → what it is)
METHODS = {
    "clip": "CLIP: cosine logits × learnable scale",
    "meru": "MERU: −geodesic distance × scale + 0.2·entailment, learnable c",
    "atmg": "ATMG (code's form): angle logits, fixed c (main variant)",
    "atmg_beta": "ATMG (β = π − α reading): both directions from the angle at the text",
    "atmg_centroid": "ATMG (code's form) + λ·centroid regulariser (p, q, λ unconfirmed)",
}


@dataclass(frozen=True)
class Settings:
    """All sizes of a run.

    scale/data_seed: which world; seeds: training seeds (≥ 3 for the paired comparisons); views: image views
    per instance; paraphrases: captions per level kept; max_instances: subsample the world (None: all);
    train_levels: caption levels of the training pairs; retrieval_level: the caption of each test pair;
    embed_dim: d; steps/batch_size/lr/lr_min/betas/weight_decay/warmup: the trainer; eval_every: steps between
    the spread measurements of claim 04-3 (iv); MERU / ATMG constants as in the module docstring;
    curvatures / sweep_seeds: the curvature sweep; prop_*: the H² checks of Props 1–2.
    """

    scale: str = "default"
    data_seed: int = 0
    seeds: tuple[int, ...] = (0, 1, 2)
    views: int = 2
    paraphrases: int = 1
    max_instances: int | None = None
    train_levels: tuple[int, ...] = (2, 3, 4)
    retrieval_level: int = 4
    templates: tuple[str, ...] = ("a {}.", "a 3D model of a {}.", "a render of a {}.")
    methods: tuple[str, ...] = tuple(METHODS)
    embed_dim: int = 64
    steps: int = 600
    batch_size: int = 256
    lr: float = 5e-3
    lr_min: float = 0.0
    betas: tuple[float, float] = (0.9, 0.98)
    weight_decay: float = 0.2
    warmup: float = 0.1
    eval_every: int = 50
    scale_init: float = 1 / 0.07
    scale_max: float = 100.0
    entail_weight: float = 0.2
    aperture_K: float = 0.1
    meru_curv: float = 1.0
    curv_min: float = 0.1
    curv_max: float = 10.0
    atmg_curv: float = 0.1
    atmg_angle_weight: float = 0.2
    centroid_p: float = 2.0
    centroid_q: float = 0.5
    centroid_lambda: float = 0.5
    curvatures: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
    sweep_seeds: tuple[int, ...] = (0, 1, 2)
    prop_points: int = 6
    prop_steps: int = 400
    prop_samples: int = 200_000

    def __post_init__(self):
        get_scale(self.scale)
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"unknown methods {bad}; valid: {', '.join(METHODS)}")
        if len(self.seeds) < 3 or len(self.sweep_seeds) < 3:
            raise ValueError("the paired comparisons need at least 3 training seeds (seeds and sweep_seeds)")
        if not all(c > 0 for c in self.curvatures) or len(self.curvatures) < 2:
            raise ValueError("curvatures must be ≥ 2 positive values")
        for name in ("views", "paraphrases", "embed_dim", "steps", "batch_size", "prop_points", "prop_steps"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not set(self.train_levels) <= set(range(5)) or self.retrieval_level not in range(5):
            raise ValueError("caption levels are 0..4")

    @classmethod
    def for_scale(cls, scale: str, seed: int = 0, data_seed: int = 0) -> "Settings":
        """Presets. ``ci``: tiny (the notebook well under 3 min); ``default``: ≤ 15 min cold on 2 cores incl.
        frozen features (one paraphrase per level); ``full``: the paper's d = 512, longer (a GPU or patience)."""
        sc = get_scale(scale)
        seeds = tuple(int(seed) + k for k in range(3))
        base = dict(scale=sc.name, data_seed=int(data_seed), seeds=seeds, sweep_seeds=seeds, views=sc.views)
        preset = _PRESETS[sc.name]
        return cls(**base, **preset)

    def with_(self, **kw) -> "Settings":
        return replace(self, **kw)

    def train_config(self) -> TrainConfig:
        """The one trainer's settings (AdamW, decay on matrices only, warm-up + cosine)."""
        return TrainConfig(steps=self.steps, batch_size=self.batch_size, lr=self.lr, lr_min=self.lr_min,
                           weight_decay=self.weight_decay, betas=self.betas, warmup=self.warmup,
                           eval_every=self.eval_every)


_PRESETS = {
    "ci": dict(paraphrases=1, embed_dim=32, steps=150, batch_size=128, eval_every=15, curvatures=(0.1, 1.0, 10.0),
               prop_steps=200, prop_samples=50_000),
    # default: 100 of the world's 150 instances per category (4,000 shapes × 2 views) and 400 steps, so that the
    # notebook stays ≤ 15 min cold on 2 cores (ATMG's step costs ~3× MERU's: two B × B angle matrices)
    "default": dict(paraphrases=1, max_instances=4000, steps=400),
    "full": dict(paraphrases=3, embed_dim=512, steps=5000, batch_size=1024, eval_every=250),
}


def settings_frame(s: Settings) -> pd.DataFrame:
    """The settings as a two-column table (setting, value) for the notebook."""
    return pd.DataFrame([{"setting": k, "value": str(v)} for k, v in asdict(s).items()])
