"""Pre-training of the 3D encoders of :mod:`xmodal.encoders.pointcloud` (paper 01's 3D encoders).

Two regimes, both on the training shapes only:

- **uni-modal** (no labels, no text): shape-level contrastive learning between two augmented
  ("deformed") views of each shape — symmetric InfoNCE of a projection head's cosine similarities,
  ``L_con = info_nce(g(f(v1)) · g(f(v2))ᵀ / τ)`` with unit-norm projections; PointBERT adds masked point
  modelling, ``L = L_con + λ_mpm · L_mpm`` (Chamfer-L2 reconstruction of the masked groups).
- **multi-modal** (OpenShape-like upper bound): frozen per-shape targets ``t_k`` (text and image
  features) are standardised and mapped by learnable linear maps ``A_k`` into the 3D embedding space; with
  ``z = f(v)/|f(v)|`` and ``u_k = A_k t_k / |A_k t_k|``, ``L = Σ_k info_nce(s · z u_kᵀ)`` with one
  learnable logit scale ``s = 1/T`` (CLIP's parameterisation, clamped at 100). So f(x) itself is the
  shared space, as OpenShape's 3D encoder lives in CLIP's space.

Everything is seeded from ``seed`` (initialisation, batch order, augmentations, masks) and runs on the CPU
deterministically: the same scale and seed give identical weights. :func:`pretrained_encoder` and
:func:`embed_dataset` cache the weights / embeddings on disk.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..cache import cached_arrays, code_hash
from ..contrastive.losses import info_nce
from ..data.validate import check_finite_points
from ..runtime import numerics_key, pick_device
from ..seed import make_rng, make_torch_generator, seeded_init
from ..train import History, TrainConfig, fit, load_state_arrays, state_arrays
from .base import hash_inputs
from .pointcloud import ARCHS, build_encoder, gather_points

__all__ = [
    "augment",
    "PretrainSettings",
    "TargetHeads",
    "train_unimodal",
    "train_multimodal",
    "embed",
    "project_targets",
    "default_targets",
    "pretrained_encoder",
    "embed_dataset",
    "encoder_run",
    "encoder_runs",
    "MODES",
]

MODES = ("unimodal", "multimodal")


# -- augmentation ------------------------------------------------------------------------------------
def augment(points, generator: torch.Generator, n_out: int | None = None, *, scale=(0.8, 1.2), n_bumps: int = 4,
            bump_amp: float = 0.06, bump_width: float = 0.35, jitter: float = 0.01, jitter_clip: float = 0.03,
            rotate: bool = True) -> torch.Tensor:
    """A random "deformed shape" view of each cloud: points (B, N, 3) → (B, n_out, 3) float32 tensor.

    In order: a random subset of ``n_out`` points (default N, i.e. a random permutation); a smooth
    deformation x ← x + Σ_j a_j exp(−|x − c_j|² / 2σ²) with ``n_bumps`` centres c_j drawn among the
    cloud's points, a_j ~ N(0, bump_amp² I), σ = ``bump_width``; anisotropic scaling by factors
    uniform in ``scale`` per axis; a rotation about the y (up) axis by an angle uniform in [0, 2π);
    Gaussian jitter N(0, jitter²) clipped at ±``jitter_clip``. All randomness comes from ``generator``
    (a CPU ``torch.Generator``), so the same generator state gives the same views.
    """
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    x = torch.as_tensor(points, dtype=torch.float32)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"points must have shape (B, N, 3), got {tuple(x.shape)}")
    B, N, _ = x.shape
    n_out = N if n_out is None else int(n_out)
    if not 1 <= n_out <= N:
        raise ValueError(f"n_out must be in 1..N={N}, got {n_out}")
    lo, hi = float(scale[0]), float(scale[1])
    dev = x.device
    # all draws on the CPU generator, in a fixed order
    keep = torch.rand(B, N, generator=generator).argsort(1)[:, :n_out]
    c_idx = torch.randint(0, n_out, (B, max(n_bumps, 1)), generator=generator)
    amps = torch.randn(B, max(n_bumps, 1), 3, generator=generator) * bump_amp
    s = lo + (hi - lo) * torch.rand(B, 1, 3, generator=generator)
    theta = 2.0 * math.pi * torch.rand(B, generator=generator)
    noise = (torch.randn(B, n_out, 3, generator=generator) * jitter).clamp_(-jitter_clip, jitter_clip)

    x = gather_points(x, keep.to(dev))
    if n_bumps > 0 and bump_amp > 0:
        c = gather_points(x, c_idx.to(dev))  # (B, J, 3)
        w = torch.exp(-(x.unsqueeze(2) - c.unsqueeze(1)).pow(2).sum(-1) / (2.0 * bump_width**2))  # (B, n, J)
        x = x + w @ amps.to(dev)
    x = x * s.to(dev)
    if rotate:
        cos, sin = torch.cos(theta), torch.sin(theta)
        zero, one = torch.zeros_like(cos), torch.ones_like(cos)
        R = torch.stack([cos, zero, sin, zero, one, zero, -sin, zero, cos], -1).reshape(B, 3, 3)
        x = x @ R.transpose(1, 2).to(dev)
    return x + noise.to(dev)


# -- settings ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PretrainSettings:
    """Sizes and hyper-parameters of one pre-training run (part of every cache key).

    ``epochs`` over the training shapes, ``batch_size`` shapes per step (the InfoNCE batch), AdamW with
    ``lr``/``weight_decay``, linear warm-up over ``warmup_frac`` of the steps then cosine decay;
    ``n_points_train`` points per augmented view (and per cloud in :func:`embed`); ``temperature`` τ of
    the uni-modal InfoNCE; ``init_temperature`` the multi-modal learnable T at start; ``mpm_weight`` λ and
    ``mask_ratio`` of PointBERT's masked point modelling; ``proj_dim`` of the uni-modal projection head;
    ``out_dim`` of every encoder; the architecture sizes; ``device`` ('cpu' is deterministic; 'auto' picks
    CUDA when available, ``$XMODAL_DEVICE`` overrides). Threads follow the caller's runtime policy
    (:func:`xmodal.runtime.use`).

    Opt-in plateau stop (off by default: ``patience`` 0 trains exactly ``epochs``, bit for bit as before):
    with ``patience`` > 0, a seeded ``monitor_frac`` of the training shapes is held out of the training
    batches; every ``eval_every`` steps the loss on those shapes (the same fixed views at every
    evaluation, batches of ``batch_size``) is the monitored ``val_loss``, and the run stops once it has not
    improved by more than ``min_delta`` for ``patience`` evaluations, keeping the parameters of the best one
    (:func:`xmodal.train.fit`, :func:`xmodal.train.plateau_stop`); ``epochs`` is then the cap (the cosine
    schedule is that of the cap). With ``lr_drops`` = k > 0 as well, the schedule is reduce-on-plateau instead of
    the cosine: constant ``lr`` after the warm-up, multiplied by ``lr_factor`` at each of the first k plateaus of
    the held-out loss, stop at the next one (:class:`xmodal.train.TrainConfig`).
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_frac: float = 0.1
    grad_clip: float = 5.0
    n_points_train: int = 256
    temperature: float = 0.1
    init_temperature: float = 0.07
    mpm_weight: float = 20.0
    mask_ratio: float = 0.6
    proj_dim: int = 128
    out_dim: int = 512
    pointnet_widths: tuple = (64, 128, 256)
    bert_groups: int = 32
    bert_group_size: int = 16
    bert_width: int = 128
    bert_depth: int = 4
    bert_heads: int = 4
    dgcnn_k: int = 16
    device: str = "cpu"
    scale: str = "custom"
    augment: dict = field(default_factory=dict)
    patience: int = 0
    eval_every: int = 0
    min_delta: float = 0.0
    monitor_frac: float = 0.1
    lr_drops: int = 0
    lr_factor: float = 0.1

    def __post_init__(self):
        for name in ("epochs", "batch_size", "n_points_train", "proj_dim", "out_dim"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"PretrainSettings.{name} must be positive, got {getattr(self, name)}")
        if self.batch_size < 2:
            raise ValueError(f"batch_size must be >= 2 for a contrastive loss, got {self.batch_size}")
        if self.lr <= 0 or self.temperature <= 0 or self.init_temperature <= 0:
            raise ValueError("lr, temperature and init_temperature must be positive")
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in (0, 1), got {self.mask_ratio}")
        if int(self.patience) < 0 or int(self.eval_every) < 0 or self.min_delta < 0:
            raise ValueError("patience, eval_every and min_delta must be >= 0")
        if self.patience and not (self.eval_every and 0.0 < self.monitor_frac < 1.0):
            raise ValueError(f"a plateau stop (patience {self.patience}) needs eval_every > 0 and monitor_frac in "
                             f"(0, 1), got eval_every {self.eval_every}, monitor_frac {self.monitor_frac}")
        self.train_config()  # the trainer's fields (schedule, lr drops) are checked where they are defined

    def with_(self, **kw) -> "PretrainSettings":
        return replace(self, **kw)

    def train_config(self) -> TrainConfig:
        """The :class:`xmodal.train.TrainConfig` of these settings (epochs over the training shapes; with
        ``patience``, the plateau stop on the held-out ``val_loss``)."""
        cfg = TrainConfig(epochs=int(self.epochs), batch_size=int(self.batch_size), lr=self.lr,
                          weight_decay=self.weight_decay, warmup=self.warmup_frac, grad_clip=self.grad_clip)
        if self.patience:
            cfg = cfg.with_(eval_every=int(self.eval_every), patience=int(self.patience),
                            min_delta=float(self.min_delta), monitor="val_loss")
        return cfg.with_(lr_drops=int(self.lr_drops), lr_factor=float(self.lr_factor))

    def model_kwargs(self, arch: str) -> dict:
        """Constructor arguments of ``arch``'s encoder under these settings."""
        _check_arch(arch)
        if arch == "pointnet":
            return {"out_dim": self.out_dim, "widths": tuple(self.pointnet_widths)}
        if arch == "pointbert":
            return {"out_dim": self.out_dim, "n_groups": self.bert_groups, "group_size": self.bert_group_size,
                    "width": self.bert_width, "depth": self.bert_depth, "heads": self.bert_heads}
        return {"out_dim": self.out_dim, "k": self.dgcnn_k}

    def key(self) -> dict:
        """JSON-able dict of every field (for cache keys); the plateau-stop fields only when it is on."""
        d = asdict(self)
        d["pointnet_widths"] = list(self.pointnet_widths)
        if not self.patience:
            for k in ("patience", "eval_every", "min_delta", "monitor_frac"):
                d.pop(k)
        if not (self.patience and self.lr_drops):
            for k in ("lr_drops", "lr_factor"):
                d.pop(k)
        return d

    @classmethod
    def for_scale(cls, name: str, arch: str = "pointnet", mode: str = "unimodal") -> "PretrainSettings":
        """Settings of ``arch`` pre-trained in ``mode`` at scale ``name`` ('ci', 'default', 'full').

        PointNet and PointBERT are sized to train in ≤ 15 s at ``ci`` (320 training shapes) and ≤ 90 s at
        ``default`` (4,200 shapes) on 2 CPU cores: measured ≈ 5 s and 51–66 s of single-thread CPU time
        (``benchmarks/results/bench_pretrain3d_{ci,default}.md``). DGCNN (optional) is slower, see
        ``bench_pretrain3d_dgcnn.md``. A multi-modal step embeds one view instead of two, so it gets about
        twice the epochs in the same time. ``full`` is meant for a GPU (``device='auto'``).
        """
        from ..config import get_scale

        get_scale(name)
        _check_arch(arch)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        table = _SCALE_TABLE[name]
        kw = dict(table["common"])
        kw.update(table[arch])
        epochs_mm = kw.pop("epochs_multimodal")
        if mode == "multimodal":
            kw["epochs"] = epochs_mm
        return cls(scale=name, **kw)


# Sizes per scale: "common" to all archs, then per arch (``epochs_multimodal`` replaces ``epochs`` in
# multi-modal mode). DGCNN's EdgeConvs cost ~10× a PointNet step: it gets fewer points and epochs.
_SCALE_TABLE: dict[str, dict] = {
    "ci": {
        "common": {"batch_size": 48, "n_points_train": 192, "lr": 2e-3},
        "pointnet": {"epochs": 16, "epochs_multimodal": 30, "pointnet_widths": (32, 64, 128)},
        "pointbert": {"epochs": 10, "epochs_multimodal": 20, "bert_groups": 16, "bert_group_size": 16,
                      "bert_width": 64, "bert_depth": 2, "bert_heads": 4},
        "dgcnn": {"epochs": 1, "epochs_multimodal": 2, "dgcnn_k": 8, "n_points_train": 128},
    },
    "default": {
        "common": {"batch_size": 64, "n_points_train": 256, "lr": 1e-3},
        "pointnet": {"epochs": 5, "epochs_multimodal": 10, "pointnet_widths": (64, 128, 256), "n_points_train": 192},
        "pointbert": {"epochs": 3, "epochs_multimodal": 6, "bert_groups": 32, "bert_group_size": 16,
                      "bert_width": 96, "bert_depth": 3, "bert_heads": 4},
        "dgcnn": {"epochs": 1, "epochs_multimodal": 2, "dgcnn_k": 8, "n_points_train": 128},
    },
    "full": {
        "common": {"batch_size": 128, "n_points_train": 1024, "lr": 1e-3, "device": "auto"},
        "pointnet": {"epochs": 100, "epochs_multimodal": 100},
        "pointbert": {"epochs": 100, "epochs_multimodal": 100, "bert_groups": 64, "bert_group_size": 32,
                      "bert_width": 256, "bert_depth": 6, "bert_heads": 8},
        "dgcnn": {"epochs": 60, "epochs_multimodal": 60, "dgcnn_k": 20},
    },
}


def _check_arch(arch: str) -> None:
    if arch not in ARCHS:
        raise ValueError(f"unknown 3D architecture {arch!r}; valid: {', '.join(ARCHS)}")


# -- heads -------------------------------------------------------------------------------------------
class TargetHeads(nn.Module):
    """Learnable linear maps of standardised frozen targets into the 3D embedding space, and the logit scale.

    ``u_k = A_k (t_k − μ_k) / σ_k``: t_k (B, d_k) → (B, out_dim); μ_k (d_k,) and the scalar σ_k (RMS norm
    of the centred training targets) are buffers fitted once; ``log_scale`` = log(1/T).
    """

    def __init__(self, dims: dict, out_dim: int, init_temperature: float = 0.07):
        super().__init__()
        for k in dims:
            if not k.isidentifier():
                raise ValueError(f"target names must be identifiers (e.g. 'text', 'image'), got {k!r}")
        self.names = tuple(dims)
        self.proj = nn.ModuleDict({k: nn.Linear(int(d), out_dim, bias=False) for k, d in dims.items()})
        for k, d in dims.items():
            self.register_buffer(f"mean_{k}", torch.zeros(int(d)))
            self.register_buffer(f"scale_{k}", torch.ones(()))
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))

    def fit_standardisation(self, targets: dict) -> None:
        for k in self.names:
            t = torch.as_tensor(np.asarray(targets[k], np.float32))
            mu = t.mean(0)
            getattr(self, f"mean_{k}").copy_(mu)
            getattr(self, f"scale_{k}").copy_((t - mu).pow(2).sum(1).mean().sqrt().clamp_min(1e-8))

    def forward(self, name: str, t: torch.Tensor) -> torch.Tensor:
        t = (t - getattr(self, f"mean_{name}")) / getattr(self, f"scale_{name}")
        return self.proj[name](t)

    def logit_scale(self) -> torch.Tensor:
        return self.log_scale.exp().clamp(max=100.0)


def _projection_head(d: int, proj_dim: int) -> nn.Module:
    return nn.Sequential(nn.Linear(d, d), nn.BatchNorm1d(d), nn.ReLU(inplace=True), nn.Linear(d, proj_dim))


# -- training ----------------------------------------------------------------------------------------
def _check_points(points_train) -> np.ndarray:
    p = np.asarray(points_train)
    if p.ndim != 3 or p.shape[-1] != 3:
        raise ValueError(f"points_train must have shape (n, N, 3), got {p.shape}")
    if len(p) < 2:
        raise ValueError(f"need at least 2 training shapes for a contrastive loss, got {len(p)}")
    if not np.isfinite(p).all():
        raise ValueError("points_train contains non-finite values")
    return np.ascontiguousarray(p, dtype=np.float32)


def _train(arch: str, mode: str, points_train, settings: PretrainSettings, seed: int, targets=None,
           progress_bar: bool = True):
    """One pre-training run on :func:`xmodal.train.fit`: (model on the CPU in eval mode, History)."""
    _check_arch(arch)
    if not isinstance(settings, PretrainSettings):
        raise TypeError(f"settings must be a PretrainSettings, got {type(settings).__name__}")
    P = _check_points(points_train)
    n, N, _ = P.shape
    npts = min(settings.n_points_train, N)
    if arch == "pointbert" and npts < max(settings.bert_groups, settings.bert_group_size):
        raise ValueError(f"pointbert needs n_points_train >= max(bert_groups, bert_group_size), got {npts}")
    dev = torch.device(pick_device(settings.device))
    with seeded_init(seed, "pretrain3d", arch, mode, "init"):
        model = build_encoder(arch, **settings.model_kwargs(arch))
        if mode == "unimodal":
            head = _projection_head(settings.out_dim, settings.proj_dim)
        else:
            head = TargetHeads({k: v.shape[1] for k, v in targets.items()}, settings.out_dim, settings.init_temperature)
            head.fit_standardisation(targets)
    T = {k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in (targets or {}).items()}
    g_aug = make_torch_generator(seed, "pretrain3d", arch, mode, "augment")
    g_mask = make_torch_generator(seed, "pretrain3d", arch, mode, "mask")
    X = torch.from_numpy(P)
    aug_kw = dict(settings.augment)
    fit_rows = mon_rows = None
    if settings.patience:  # opt-in plateau stop: a seeded part of the training shapes is only monitored
        perm = make_rng(seed, "pretrain3d", arch, mode, "monitor").permutation(n)
        n_mon = min(n - 2, max(2, int(round(settings.monitor_frac * n))))
        mon_rows, fit_rows = np.sort(perm[:n_mon]), np.sort(perm[n_mon:])

    def batch_loss(idx, g_aug, g_mask):
        parts: dict[str, torch.Tensor] = {}
        if mode == "unimodal":
            v1 = augment(X[idx], g_aug, npts, **aug_kw).to(dev)
            v2 = augment(X[idx], g_aug, npts, **aug_kw).to(dev)
            if arch == "pointbert":
                mpm, e1 = model.forward_mpm(v1, settings.mask_ratio, g_mask, return_embedding=True)
                e2 = model(v2)
                parts["mpm"] = mpm
            else:
                e1, e2 = model(torch.cat([v1, v2])).chunk(2)
            z1, z2 = head(torch.cat([e1, e2])).chunk(2)
            z1, z2 = F.normalize(z1, dim=-1), F.normalize(z2, dim=-1)
            parts["contrastive"] = info_nce(z1 @ z2.T / settings.temperature)
            loss = parts["contrastive"] + (settings.mpm_weight * parts["mpm"] if "mpm" in parts else 0.0)
        else:
            z = F.normalize(model(augment(X[idx], g_aug, npts, **aug_kw).to(dev)), dim=-1)
            scale = head.logit_scale()
            loss = 0.0
            for k in head.names:
                u = F.normalize(head(k, T[k][idx].to(dev)), dim=-1)
                parts[f"nce_{k}"] = info_nce(scale * z @ u.T)
                loss = loss + parts[f"nce_{k}"]
        return loss, parts

    eval_fn = None
    if fit_rows is None:
        loss_fn = lambda idx, step: batch_loss(idx, g_aug, g_mask)
    else:
        rows = torch.from_numpy(fit_rows)
        loss_fn = lambda idx, step: batch_loss(rows[idx], g_aug, g_mask)
        b = min(int(settings.batch_size), len(mon_rows))
        mon_batches = [torch.from_numpy(mon_rows[s:s + b]) for s in range(0, len(mon_rows) - b + 1, b)]

        def eval_fn(step):  # the same views and masks at every evaluation
            ga = make_torch_generator(seed, "pretrain3d", arch, mode, "monitor_views")
            gm = make_torch_generator(seed, "pretrain3d", arch, mode, "monitor_mask")
            return {"val_loss": float(np.mean([float(batch_loss(i, ga, gm)[0]) for i in mon_batches]))}

    cfg = settings.train_config()
    n_fit = n if fit_rows is None else len(fit_rows)
    hist = fit([model, head], loss_fn, cfg, n_items=n_fit, device=dev, desc=f"pretrain {arch} ({mode})",
               generator=make_torch_generator(seed, "pretrain3d", arch, mode, "order"), eval_fn=eval_fn,
               progress_bar=progress_bar)
    model.to("cpu")
    head.to("cpu")
    if mode == "multimodal":
        model.target_heads = head
    model.n_points_train = npts
    return model, hist


def train_unimodal(arch: str, points_train, settings: PretrainSettings, seed: int = 0):
    """Uni-modal pre-training (no labels, no text). points_train (n, N, 3) → (model, history).

    PointNet / DGCNN: shape-level contrastive learning between two augmented views; PointBERT: masked
    point modelling + the same contrastive term. ``model`` is the encoder in eval mode on the CPU (its
    output, before the projection head, is the embedding; ``model.n_points_train`` is the view size);
    ``history`` is the trainer's :class:`xmodal.train.History` (per-step ``loss``, parts ``contrastive``
    and ``mpm``, learning rates, wall time).
    """
    return _train(arch, "unimodal", points_train, settings, seed)


def _check_targets(targets, n: int) -> dict:
    if not isinstance(targets, dict) or not targets:
        raise TypeError("targets must be a non-empty dict {name: (n, d) array}")
    out = {}
    for k, v in targets.items():
        a = np.asarray(v, np.float32)
        if a.ndim != 2 or len(a) != n:
            raise ValueError(f"target {k!r} must have shape ({n}, d), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"target {k!r} contains non-finite values")
        out[str(k)] = a
    return out


def train_multimodal(arch: str, points_train, targets: dict, settings: PretrainSettings, seed: int = 0):
    """OpenShape-like pre-training against frozen targets ``{name: (n, d_k)}`` (e.g. text and image features).

    Loss Σ_k info_nce(s · normalize(f(v)) normalize(A_k t̃_k)ᵀ) over one augmented view v per shape, with
    learnable A_k (:class:`TargetHeads`) and logit scale s. Returns (model, history); the heads are kept as
    ``model.target_heads`` (see :func:`project_targets`; final T = 1 / ``heads.logit_scale()``); history is
    the trainer's :class:`xmodal.train.History` with parts ``nce_<name>``.
    """
    P = _check_points(points_train)
    return _train(arch, "multimodal", P, settings, seed, _check_targets(targets, len(P)))


# -- inference ---------------------------------------------------------------------------------------
def _subset_index(N: int, n_use: int) -> np.ndarray:
    """One fixed random subset of point indices (same for every cloud, independent of batching)."""
    return np.sort(make_rng(0, "pretrain3d.embed.subset", N, n_use).permutation(N)[:n_use])


def embed(model: nn.Module, points, batch_size: int = 256, n_points: int | None = None,
          device: str = "cpu") -> np.ndarray:
    """Embeddings (n, out_dim) float32 of ``points (n, N, 3)``: eval mode, no gradients, deterministic.

    Each cloud is reduced to ``n_points`` points (default ``model.n_points_train``, the size it was
    trained on; all points when that is unknown or ≥ N) by one fixed seeded index subset shared by all
    clouds, so a shape's embedding depends neither on the batch nor on the other shapes.
    """
    P = np.asarray(points)
    if P.ndim != 3 or P.shape[-1] != 3:
        raise ValueError(f"points must have shape (n, N, 3), got {P.shape}")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    check_finite_points(P, "pretrain3d.embed(points)")
    n, N, _ = P.shape
    n_use = n_points if n_points is not None else getattr(model, "n_points_train", None)
    if n_use is not None and int(n_use) < N:
        P = P[:, _subset_index(N, int(n_use))]
    was_training = model.training
    home = next(model.parameters()).device
    model.eval()
    model.to(device)
    out = np.empty((n, model.out_dim), np.float32)
    try:
        with torch.no_grad():
            for s in range(0, n, batch_size):
                x = torch.from_numpy(np.ascontiguousarray(P[s : s + batch_size], np.float32)).to(device)
                out[s : s + len(x)] = model(x).float().cpu().numpy()
    finally:
        model.train(was_training)
        model.to(home)
    return out


def project_targets(model: nn.Module, name: str, targets) -> np.ndarray:
    """A multi-modal model's map of frozen targets ``(n, d)`` into its 3D embedding space: (n, out_dim).

    Cosine similarity with :func:`embed` outputs is the retrieval score it was trained with.
    """
    heads = getattr(model, "target_heads", None)
    if heads is None:
        raise ValueError("this model has no target heads (it was not trained by train_multimodal)")
    if name not in heads.names:
        raise ValueError(f"unknown target {name!r}; this model has {heads.names}")
    with torch.no_grad():
        return heads(name, torch.as_tensor(np.asarray(targets, np.float32))).numpy()


def default_targets(dataset, level: int = 4) -> dict:
    """Frozen targets of every shape of a WorldDataset: {'text': (N, 384), 'image': (N, 1280)} float32.

    text: MiniLM pooled features averaged over the paraphrases of the level-``level`` captions (level 4:
    Cap3D-like sentences); image: EfficientNet-Lite0 pooled features averaged over the rendered views.
    Both encoders cache their features on disk.
    """
    from .image import EfficientNetLite0
    from .text import MiniLM

    caps = np.asarray(dataset.captions[level])
    N, P = caps.shape
    text = MiniLM()([str(c) for c in caps.reshape(-1)]).pooled.reshape(N, P, -1).mean(1)
    out = {"text": text.astype(np.float32)}
    if dataset.images is not None:
        imgs = np.asarray(dataset.images)
        V = imgs.shape[1]
        feats = EfficientNetLite0()(imgs.reshape(N * V, *imgs.shape[2:])).pooled
        out["image"] = feats.reshape(N, V, -1).mean(1).astype(np.float32)
    return out


# -- cached pipelines --------------------------------------------------------------------------------
def _hash_targets(targets: dict | None) -> dict | None:
    if targets is None:
        return None
    return {k: hash_inputs(np.ascontiguousarray(v, np.float32)) for k, v in sorted(targets.items())}


def _resolve(arch, mode, dataset, scale, targets, settings):
    _check_arch(arch)
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    settings = settings or PretrainSettings.for_scale(scale, arch, mode)
    N = len(dataset.points)
    if mode == "multimodal":
        targets = default_targets(dataset) if targets is None else targets
        targets = _check_targets(targets, N)
    elif targets is not None:
        raise ValueError("targets are only used by mode='multimodal'")
    return settings, targets


def _cache_params(arch, mode, dataset, scale, seed, settings, targets, train_mask) -> dict:
    return {"arch": arch, "mode": mode, "scale": scale, "seed": int(seed), "settings": settings.key(),
            "n_shapes": int(len(dataset.points)), "n_train": int(train_mask.sum()),
            "points": hash_inputs(np.ascontiguousarray(dataset.points, np.float32)),
            "train_mask": hash_inputs(np.ascontiguousarray(train_mask)), "targets": _hash_targets(targets),
            "code": code_hash("xmodal.encoders.pointcloud", "xmodal.encoders.pretrain3d", "xmodal.contrastive.losses",
                              "xmodal.train"), "numerics": numerics_key()}


def _to_arrays(model: nn.Module, history: History) -> dict:
    out = {**state_arrays(model, "w:"), **history.as_arrays("h:")}
    out["n_points_train"] = np.asarray(model.n_points_train)
    return out


def _from_arrays(arch, mode, arrays, settings, targets) -> tuple:
    model = build_encoder(arch, **settings.model_kwargs(arch))
    if mode == "multimodal":
        model.target_heads = TargetHeads({k: v.shape[1] for k, v in targets.items()}, settings.out_dim,
                                         settings.init_temperature)
    load_state_arrays(model, arrays, "w:")
    model.n_points_train = int(arrays["n_points_train"])
    return model, History.from_arrays(arrays, "h:")


def _build_params(arch, mode, dataset, scale, seed, targets, settings):
    """Resolve settings and targets and make the cache key, once (hashing every cloud is not free)."""
    settings, targets = _resolve(arch, mode, dataset, scale, targets, settings)
    train = np.asarray(dataset.mask("train"), bool)
    return settings, targets, train, _cache_params(arch, mode, dataset, scale, seed, settings, targets, train)


def _pretrained(arch, mode, dataset, seed, settings, targets, train, params, rebuild=False):
    def build():
        P = np.asarray(dataset.points)[train]
        t = None if targets is None else {k: v[train] for k, v in targets.items()}
        model, hist = _train(arch, mode, P, settings, seed, t)
        return _to_arrays(model, hist)

    arrays = cached_arrays("pretrain3d", params, build, rebuild=rebuild)
    return _from_arrays(arch, mode, arrays, settings, targets)


def pretrained_encoder(arch: str, mode: str, dataset, scale: str, seed: int = 0, targets: dict | None = None,
                       settings: PretrainSettings | None = None, rebuild: bool = False):
    """The ``arch`` encoder pre-trained in ``mode`` on ``dataset.mask('train')`` shapes: (model, History).

    Settings default to ``PretrainSettings.for_scale(scale, arch, mode)``. Multi-modal targets are
    ``{name: (N, d)}`` over ALL N shapes of the dataset (only the training rows are used); default
    :func:`default_targets`. Weights and history are cached on disk (``pretrain3d``), keyed by arch,
    mode, scale, seed, settings and hashes of the points, split and targets; a cached entry is loaded
    without training.
    """
    settings, targets, train, params = _build_params(arch, mode, dataset, scale, seed, targets, settings)
    return _pretrained(arch, mode, dataset, seed, settings, targets, train, params, rebuild)


def encoder_run(arch: str, mode: str, dataset, scale: str, seed: int = 0, targets: dict | None = None,
                settings: PretrainSettings | None = None) -> tuple[np.ndarray, History]:
    """Embeddings (N, out_dim) float32 of ALL shapes of ``dataset`` and the training History, resolving the
    encoder once: the embeddings are cached (``embed3d``) under the same key as the weights, and the
    weights are loaded (or trained) only when the embeddings or the history are not cached yet."""
    settings, targets, train, params = _build_params(arch, mode, dataset, scale, seed, targets, settings)
    memo = {}

    def build():
        model, hist = _pretrained(arch, mode, dataset, seed, settings, targets, train, params)
        memo["hist"] = hist
        return {"embeddings": embed(model, dataset.points), **hist.as_arrays("h:")}

    arrays = cached_arrays("embed3d", params, build)
    return arrays["embeddings"], memo.get("hist") or History.from_arrays(arrays, "h:")


def embed_dataset(arch: str, mode: str, dataset, scale: str, seed: int = 0, targets: dict | None = None,
                  settings: PretrainSettings | None = None) -> np.ndarray:
    """Embeddings (N, out_dim) float32 of ALL shapes of ``dataset`` (:func:`encoder_run` without the history)."""
    return encoder_run(arch, mode, dataset, scale, seed, targets, settings)[0]


# -- several runs, in a process pool --------------------------------------------------------------------
class _Clouds:
    """The part of a WorldDataset that pre-training reads (points and split), sent once to each pool worker."""

    def __init__(self, points, split):
        self.points = np.asarray(points)
        self.split = np.asarray(split)

    def mask(self, split: str) -> np.ndarray:
        from ..data.world import SPLITS

        return self.split == SPLITS.index(split)


_WORKER: dict = {}


def _pool_init(points, split, targets, scale):
    _WORKER.update(ds=_Clouds(points, split), targets=targets, scale=scale)


def _pool_job(job):
    arch, mode, seed, settings = job
    from .. import runtime

    w = _WORKER
    with runtime.use(w["scale"]):  # one thread per worker: the bits of a serial run
        encoder_run(arch, mode, w["ds"], w["scale"], seed=seed, settings=settings,
                    targets=w["targets"] if mode == "multimodal" else None)
    return arch, mode, seed


def encoder_runs(jobs, dataset, scale: str, targets: dict | None = None, workers: int = 1,
                 settings: dict | None = None) -> list[tuple[np.ndarray, History]]:
    """:func:`encoder_run` for each job ``(arch, mode, seed)``: [(embeddings (N, out_dim), History)], in order.

    ``workers`` > 1 trains the runs that are not cached yet in a pool of that many spawned processes, each
    under the scale's runtime policy (one thread), writing the usual cache entries; the results are then read
    from the cache. Every run is seeded and single-threaded, so the bits equal a serial run's (tested).
    ``settings``: optional {(arch, mode): PretrainSettings}; multi-modal targets default to
    :func:`default_targets` (computed once, here).
    """
    from ..cache import is_cached
    from ..parallel import fill_cache

    jobs = [(str(a), str(m), int(s)) for a, m, s in jobs]
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    for a, m, _ in jobs:
        _check_arch(a)
        if m not in MODES:
            raise ValueError(f"unknown mode {m!r}; valid: {', '.join(MODES)}")
    settings = settings or {}
    if targets is None and any(m == "multimodal" for _, m, _ in jobs):
        targets = default_targets(dataset)
    tg = lambda m: targets if m == "multimodal" else None
    if workers > 1:
        fill_cache([(a, m, s, settings.get((a, m))) for a, m, s in jobs],
                   lambda j: is_cached("embed3d", _build_params(j[0], j[1], dataset, scale, j[2], tg(j[1]), j[3])[-1]),
                   _pool_job, workers, desc="3D pre-training", unit="run", initializer=_pool_init,
                   initargs=(np.asarray(dataset.points), np.asarray(dataset.split), targets, scale))
    return [encoder_run(a, m, dataset, scale, seed=s, targets=tg(m), settings=settings.get((a, m)))
            for a, m, s in jobs]
