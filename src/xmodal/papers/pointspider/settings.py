"""Settings of paper 03: one :class:`Settings` dataclass, presets by scale (``Settings.for_scale``).

``seed`` reaches every run: mapping seeds ``seed + k`` (k = 0, 1, 2: ≥ 3 seeds for the paired comparison at
every scale), the classifier and the image–text heads ``seed``, Double Roulette and the corruptions draws keyed
by ``seed``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from ...config import get_scale
from ...train import TrainConfig

__all__ = ["Settings", "settings_frame", "PROMPT"]

#: the paper's prompt (one template)
PROMPT = "A model of {}."


@dataclass(frozen=True)
class Settings:
    """All sizes of one run.

    Classifier: ``pn_widths`` (PointNet per-point MLP), ``feat_dim`` (its 1024-d feature), ``pn_epochs``,
    ``pn_batch``, ``pn_lr``, ``pn_points`` (points per training view). ``encoders``: the 3D encoders trained as
    classifiers with that same recipe (equal budgets) for the leaderboard analogue ("pointnet" first: the mapping's
    encoder; "pointbert": the mini-PointBERT of notebook 01, sized by ``bert_*``). Corruption set: ``eval_per_class``
    test objects per class, clouds of ``eval_points`` (1024) from a 2048-point mesh sample; the first
    ``pool_per_class`` of them per class are also rendered under all 76 variants (the Double Roulette pool).
    Image–text: ``models`` of notebook 02 (trained by :func:`xmodal.papers.wpce.train_heads`, prompt
    :data:`PROMPT`); ``draws`` Double Roulette redraws. Mapping: ``map_widths`` (None: the paper's),
    ``map_epochs``, ``map_batch``, ``map_lr`` (Adam = AdamW without decay), ``eval_every`` steps (val L1 for
    the best-validation checkpoint), ``n_map_train`` / ``n_map_test`` (paper 2048 / 420). Table I:
    ``table_clouds`` clouds at ``table_resolution`` px, ``spp`` Mitsuba samples per pixel, ``mitsuba_variants``.
    The claims' thresholds are not settings: they are registered in :data:`.paper.REGISTRY` (one source).
    """

    scale: str = "default"
    seed: int = 0
    data_seed: int = 0
    pn_widths: tuple[int, ...] = (64, 128, 256)
    feat_dim: int = 1024
    pn_epochs: int = 30
    pn_batch: int = 64
    pn_lr: float = 2e-3
    pn_points: int = 512
    encoders: tuple[str, ...] = ("pointnet", "pointbert")
    bert_groups: int = 32
    bert_group_size: int = 16
    bert_width: int = 96
    bert_depth: int = 3
    bert_heads: int = 4
    eval_per_class: int = 5
    eval_points: int = 1024
    pool_per_class: int = 2
    resolution: int = 64
    models: tuple[str, ...] = ("clip", "wpce_gauss")
    draws: int = 2000
    map_widths: tuple[int, ...] | None = (256, 512, 1024, 512, 256)
    map_epochs: int = 60
    map_batch: int = 128
    map_lr: float = 0.005
    eval_every: int = 20
    n_map_train: int = 2048
    n_map_test: int = 420
    map_seeds: tuple[int, ...] = (0, 1, 2)
    table_clouds: int = 4
    table_resolution: int = 224
    spp: int = 16
    mitsuba_variants: tuple[str, ...] = ("scalar_rgb", "llvm_ad_rgb")

    def __post_init__(self):
        get_scale(self.scale)
        if len(self.map_seeds) < 3:
            raise ValueError("claim 03-2 compares over seeds: need at least 3 map_seeds")
        if self.pool_per_class > self.eval_per_class or self.pool_per_class < 1:
            raise ValueError("need 1 <= pool_per_class <= eval_per_class")
        if not self.encoders or self.encoders[0] != "pointnet" or len(set(self.encoders)) != len(self.encoders) \
                or not set(self.encoders) <= {"pointnet", "pointbert", "dgcnn"}:
            raise ValueError(f"encoders must start with 'pointnet' (the mapping's encoder) and name each of "
                             f"pointnet, pointbert, dgcnn at most once, got {self.encoders!r}")
        if self.draws < 1000:
            raise ValueError("Double Roulette is repeated at least 1,000 times (draws >= 1000)")

    @classmethod
    def for_scale(cls, scale: str, seed: int = 0) -> "Settings":
        """Presets. ``ci``: the whole notebook ≤ 3 min; ``default``: ≤ 15 min cold on 2 cores; ``full``: the
        paper's widths, 1000 mapping epochs (a GPU or patience)."""
        sc = get_scale(scale)
        base = dict(scale=sc.name, seed=int(seed), resolution=sc.resolution,
                    map_seeds=tuple(int(seed) + k for k in range(3)))
        if sc.name == "ci":
            return cls(**base, pn_epochs=15, pn_points=256, eval_per_class=2, pool_per_class=1, draws=1000,
                       bert_groups=16, bert_width=64, bert_depth=2,
                       map_widths=(128, 256, 512, 256, 128), map_epochs=40, map_batch=64, eval_every=10,
                       table_clouds=2, table_resolution=64, spp=4)
        if sc.name == "full":
            return cls(**base, pn_widths=(64, 128, 1024), pn_epochs=100, pn_points=1024, eval_per_class=25,
                       bert_groups=64, bert_group_size=32, bert_width=256, bert_depth=6, bert_heads=8,
                       pool_per_class=10, map_widths=None, map_epochs=1000, eval_every=100, table_clouds=10)
        return cls(**base)

    def with_(self, **kw) -> "Settings":
        return replace(self, **kw)

    def encoder_kwargs(self, arch: str) -> dict:
        """The :func:`~xmodal.encoders.pointcloud.build_encoder` arguments of a classifier's encoder ``arch``
        (every one outputs the ``feat_dim`` feature)."""
        if arch == "pointnet":
            return {"widths": tuple(self.pn_widths)}
        if arch == "pointbert":
            return {"n_groups": self.bert_groups, "group_size": self.bert_group_size, "width": self.bert_width,
                    "depth": self.bert_depth, "heads": self.bert_heads}
        if arch == "dgcnn":
            return {}
        raise ValueError(f"unknown 3D architecture {arch!r}; valid: pointnet, pointbert, dgcnn")

    def pn_config(self) -> TrainConfig:
        """The classifier's trainer settings: AdamW (decay 1e-4 on matrices), warm-up + cosine."""
        return TrainConfig(epochs=self.pn_epochs, batch_size=self.pn_batch, lr=self.pn_lr, weight_decay=1e-4,
                           warmup=0.05)

    def map_config(self) -> TrainConfig:
        """The mapping's trainer settings: Adam (AdamW with weight_decay 0), lr 0.005, warm-up + cosine."""
        return TrainConfig(epochs=self.map_epochs, batch_size=self.map_batch, lr=self.map_lr, weight_decay=0.0,
                           warmup=0.05, eval_every=self.eval_every)

    def wpce_settings(self):
        """Notebook 02's settings at this scale with the paper's prompt (one template)."""
        from ..wpce import Settings as WPCESettings

        return WPCESettings.for_scale(self.scale, seed=self.seed, data_seed=self.data_seed).with_(templates=(PROMPT,))


_SHOWN = ("scale", "seed", "pn_widths", "feat_dim", "pn_epochs", "pn_points", "encoders", "bert_groups", "bert_width",
          "bert_depth", "eval_per_class", "pool_per_class", "resolution", "models", "draws", "map_widths", "map_epochs", "map_lr", "eval_every", "n_map_train",
          "n_map_test", "map_seeds", "table_clouds", "table_resolution", "spp", "mitsuba_variants")


def settings_frame(settings: Settings) -> pd.DataFrame:
    """The main sizes as a small table (setting, value) for the notebook."""
    return pd.DataFrame([{"setting": k, "value": str(getattr(settings, k))} for k in _SHOWN])


def as_dict(settings: Settings) -> dict:
    return asdict(settings)
