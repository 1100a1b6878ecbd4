"""Every size of one run of notebook 01: a :class:`Settings` whose defaults are the paper's protocol
(d = 50, 500 queries, 3 seeds), with one per-scale preset idiom, :meth:`Settings.for_scale`."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from ...config import get_scale
from ...encoders.text_projection import ProjectionConfig
from ...parallel import default_workers
from .paper import PAPER, PRETRAIN_RULE

__all__ = ["Settings", "PROTOCOLS"]

#: alignment protocols (Table 1, Figs. 4): standard (random test queries), held-out categories (anchors and
#: queries from disjoint categories), within-category (each query block is one category)
PROTOCOLS = ("standard", "heldout_categories", "within_category")


@dataclass(frozen=True)
class Settings:
    """Every size of one run of notebook 01.

    seed: the run's seed (world, text projection, CKA permutations, Figs. 6–7 samples);
    seeds: the seeds of the study (:meth:`for_scale` derives them from ``seed``): seed k trains every 3D
    encoder with seed k AND draws evaluation split k, so an interval over seeds covers both the training
    and the sampling noise; workers: processes that pre-train the 3D encoders (default
    :func:`xmodal.parallel.default_workers`: ``min(2, cores)``, ``$XMODAL_WORKERS`` overrides; one thread each,
    the bits do not depend on it and it is in no cache key).
    caption_level: the caption level used as the Cap3D analogue (4 = detailed sentence); paraphrase 0 of it
    is the evaluated caption. archs / mm_archs: 3D backbones trained uni-modally / multi-modally ("dgcnn"
    can be added: it costs ~7 of the ~20 cold minutes at default for a 1-epoch encoder, so it is off).
    main_3d / main_text: the pair of Figs. 4–7 (the paper's best pair: uni-modal PointBERT vs CLIP text).
    d: subspace dimension; cca_reg: relative ridge eps of CCA (eps = cca_reg x mean eigenvalue; an
    assumption, the paper does not state it); n_queries: test shapes per seed; n_anchors: anchors per seed
    (None = all train+val shapes); cka_perm: shuffles for the CKA chance level; d_grid, pca_grid,
    anchor_grid: the grids of Figs. 4, 5 (anchors: an equal-ratio grid, x2 per step); n_chamfer_pairs: shape
    pairs of Fig. 6 drawn uniformly; n_within_pairs: extra pairs drawn uniformly among same-category pairs
    (the within-category stratum); nn_queries: query shapes of Fig. 7 (at most the test shapes);
    protocols: the alignment protocols of Table 1 (standard; held-out categories: anchors from all but
    ``heldout_categories`` categories, queries from those; within-category: the queries of each block share
    one category); n_boot: bootstrap resamples; gallery: rows of the Fig. 7 picture gallery; projection:
    the multi-modal text projection; pretrain: overrides of the 3D pre-training sizes,
    ``{"common": {field: value}, <arch>: {field: value}}`` on top of
    :meth:`xmodal.encoders.pretrain3d.PretrainSettings.for_scale` (empty: the library's sizes, as at ``ci``;
    ``default``: the registered :data:`.paper.PRETRAIN_RULE`), see :meth:`pretrain_settings`.
    """

    scale: str
    seed: int = 0
    seeds: tuple[int, ...] = (0, 1, 2)
    caption_level: int = 4
    archs: tuple[str, ...] = ("pointnet", "pointbert")
    mm_archs: tuple[str, ...] = ("pointnet", "pointbert")
    main_3d: str = "pointbert-uni"
    main_text: str = "mmtext"
    d: int = PAPER["d"]
    cca_reg: float = 1e-3
    n_queries: int = PAPER["n_queries"]
    n_anchors: int | None = None
    workers: int = field(default_factory=default_workers)
    cka_perm: int = 10
    d_grid: tuple[int, ...] = (5, 10, 20, 35, 50, 75, 100, 200, 300, 512)
    pca_grid: tuple[int, ...] = (5, 10, 20, 50, 100, 200, 300, 400, 512)
    anchor_grid: tuple[int, ...] = (75, 150, 300, 600, 1200, 2400, 4800)
    n_chamfer_pairs: int = 2000
    n_within_pairs: int = 500
    nn_queries: int = 1200
    protocols: tuple[str, ...] = ("standard", "heldout_categories", "within_category")
    heldout_categories: int = 10
    n_boot: int = 1000
    gallery: int = 5
    projection: ProjectionConfig = field(default_factory=ProjectionConfig)
    pretrain: dict = field(default_factory=dict)

    @classmethod
    def for_scale(cls, name: str, seed: int = 0) -> "Settings":
        """The settings of scale ``name`` ('ci', 'default', 'full') for the run ``seed``; ValueError for an
        unknown name. The evaluation seeds are the scale's ``seeds`` shifted by ``seed x len(seeds)``, so that
        runs with different ``seed`` never share an evaluation split (seed 0: the scale's own seeds)."""
        sc = get_scale(name)
        seed = int(seed)
        base = cls(scale=sc.name, seed=seed, seeds=tuple(seed * len(sc.seeds) + s for s in sc.seeds))
        presets = {
            "ci": dict(n_queries=100, cka_perm=5, d_grid=(5, 10, 20, 50, 100, 200),
                       pca_grid=(5, 10, 20, 50, 100, 200, 300), anchor_grid=(45, 90, 180, 360),
                       n_chamfer_pairs=300, n_within_pairs=100, nn_queries=120, n_boot=300, gallery=3, projection=ProjectionConfig(batch_size=128)),
            "default": dict(pretrain=PRETRAIN_RULE),
            "full": dict(anchor_grid=(250, 500, 1000, 2000, 4000, 8000, 16000, 32000), nn_queries=2000,
                         projection=ProjectionConfig(epochs=100)),
        }
        return replace(base, **presets[sc.name])

    def with_(self, **kw) -> "Settings":
        """A copy with the given fields replaced (validated again), e.g. ``settings.with_(cca_reg=0.1)``."""
        return replace(self, **kw)

    def pretrain_settings(self, arch: str, mode: str):
        """The :class:`xmodal.encoders.pretrain3d.PretrainSettings` of ``arch`` trained in ``mode`` under these
        settings, or None when :attr:`pretrain` is empty (the library's sizes for the scale)."""
        from ...encoders.pretrain3d import PretrainSettings

        if not self.pretrain:
            return None
        kw = {**self.pretrain.get("common", {}), **self.pretrain.get(arch, {})}
        return PretrainSettings.for_scale(self.scale, arch, mode).with_(**kw)

    def __post_init__(self):
        bad = [p for p in self.protocols if p not in PROTOCOLS]
        if bad or not self.protocols:
            raise ValueError(f"protocols must be a non-empty subset of {PROTOCOLS}; got {self.protocols}")
        if isinstance(self.workers, bool) or int(self.workers) != self.workers or self.workers < 1:
            raise ValueError(f"workers must be a positive integer; got {self.workers!r}")
        if self.heldout_categories < 1:
            raise ValueError(f"heldout_categories must be >= 1; got {self.heldout_categories}")
        unknown = set(self.pretrain) - {"common", "pointnet", "pointbert", "dgcnn"}
        if unknown:
            raise ValueError(f"pretrain keys must be 'common' or a 3D architecture; got {sorted(unknown)}")
        if self.n_boot < 100:
            raise ValueError(f"n_boot must be >= 100 bootstrap resamples; got {self.n_boot}")

    def frame(self):
        """The settings as a two-column table (setting, value) for the notebook."""
        import pandas as pd

        def fmt(v):
            if isinstance(v, ProjectionConfig):
                return f"dim {v.dim}, hidden {v.hidden}, {v.epochs} epochs, batch {v.batch_size}, lr {v.lr:g}"
            if isinstance(v, dict):
                return "; ".join(f"{k}: " + ", ".join(f"{a}={b}" for a, b in d.items()) for k, d in v.items()) or "library sizes"
            if isinstance(v, tuple):
                return ", ".join(map(str, v))
            return "all train + val" if v is None else str(v)

        return pd.DataFrame([{"setting": f.name, "value": fmt(getattr(self, f.name))} for f in fields(self)])
