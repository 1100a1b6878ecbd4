"""The mapping networks of PointSpider: PointNet feature (1024-d) → image embedding (BASE / LNORM / RNORM).

Layers (the sheet, ``shared/papers/03_pointspider.md`` §6, and the authors' code): three "up" layers that
double the width (1024 → 2048 → 4096 → 8192) and three "down" layers that halve it (→ 4096 → 2048 → out):

    block_i(x) = drop(act_i(norm(W_i x + b_i)))   i = 1..5,      f(x) = W_6 x + b_6 (plain linear)

act = PReLU after the first two up layers, Tanh after the bottleneck (third up layer) and the down layers;
dropout p = 0.2 after every activation; norm = identity (BASE), LayerNorm (LNORM) or
LocalResponseNorm(size=1) (RNORM) in every block but the last. ``widths`` = the five hidden widths (default
the paper's ``2·in, 4·in, 8·in, 4·in, 2·in``); smaller widths keep the structure at ``ci`` / ``default``.
"""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch
from torch import nn

__all__ = ["VARIANTS", "MappingNet", "paper_widths", "l1div", "train_mapping", "train_mappings"]

VARIANTS = ("base", "lnorm", "rnorm")
DROPOUT = 0.2


def paper_widths(in_dim: int = 1024) -> tuple[int, ...]:
    """The paper's hidden widths for input ``in_dim``: (2, 4, 8, 4, 2) × in_dim."""
    return tuple(int(in_dim) * k for k in (2, 4, 8, 4, 2))


class _LRN(nn.Module):
    """LocalResponseNorm(size=1) over the features of (B, C) inputs: b = a / (k + α a²)^β (torch defaults
    α = 1e-4, β = 0.75, k = 1). torch's LRN needs (B, C, *), so a length-1 axis is added and removed."""

    def __init__(self, size: int = 1):
        super().__init__()
        self.lrn = nn.LocalResponseNorm(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lrn(x.unsqueeze(-1)).squeeze(-1)


class MappingNet(nn.Module):
    """x (B, in_dim) float32 → (B, out_dim) float32; see the module docstring for the layers.

    variant: "base" | "lnorm" | "rnorm"; widths: five hidden widths (None: :func:`paper_widths`).
    ``blocks`` (5 ``nn.Sequential``: Linear, norm, activation, Dropout) and ``out`` (Linear) are public so
    that tests can read the structure.
    """

    def __init__(self, variant: str = "base", in_dim: int = 1024, out_dim: int = 1024, widths=None,
                 dropout: float = DROPOUT):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown mapping variant {variant!r}; valid: {', '.join(VARIANTS)}")
        widths = paper_widths(in_dim) if widths is None else tuple(int(w) for w in widths)
        if len(widths) != 5 or min(widths) < 1 or in_dim < 1 or out_dim < 1:
            raise ValueError(f"widths must be 5 positive hidden widths (3 up, 2 down), got {widths}")
        self.variant, self.in_dim, self.out_dim, self.widths = variant, int(in_dim), int(out_dim), widths
        blocks, d = [], int(in_dim)
        for i, w in enumerate(widths):
            norm = {"base": nn.Identity(), "lnorm": nn.LayerNorm(w), "rnorm": _LRN(1)}[variant]
            act = nn.PReLU() if i < 2 else nn.Tanh()
            blocks.append(nn.Sequential(nn.Linear(d, w), norm, act, nn.Dropout(dropout)))
            d = w
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.Linear(d, int(out_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"MappingNet expects (B, {self.in_dim}), got {tuple(x.shape)}")
        for b in self.blocks:
            x = b(x)
        return self.out(x)


def l1div(pred, target) -> float:
    """L1DIV = 1 / mean |pred − target| (the paper's Table III metric); pred, target (n, d)."""
    return float(1.0 / torch.mean(torch.abs(torch.as_tensor(pred) - torch.as_tensor(target))))


def _params(variant: str, seed: int, settings, arrays, device) -> dict:
    """The cache key of one mapping run: everything that changes its bits (``arrays``: the four data tensors)."""
    from ...cache import code_hash
    from ...encoders.base import hash_inputs
    from ...runtime import numerics_key

    return {"variant": variant, "seed": int(seed), "widths": settings.map_widths, "config": asdict(settings.map_config()),
            "data": [hash_inputs(np.ascontiguousarray(torch.as_tensor(t, dtype=torch.float32).cpu().numpy()))
                     for t in arrays],
            "device": str(torch.device(device)), "numerics": numerics_key(),
            "code": code_hash("xmodal.papers.pointspider.mapping", "xmodal.train", "xmodal.seed")}


def train_mapping(variant: str, x_train, y_train, x_val, y_val, settings, seed: int, device="cpu",
                  progress_bar: bool = True):
    """Train one :class:`MappingNet` with the mean L1 loss (1/(n d)) Σ |f(x) − y| through :func:`xmodal.train.fit`
    (Adam = AdamW without decay, ``settings.map_lr``, ``map_epochs``); every ``eval_every`` steps the validation
    L1 is measured and the weights with the lowest one are kept (the plateau rule, the same for every variant).
    Cached on disk (``pointspider_mapping``: keyed by the variant, seed, widths, trainer and the four arrays).

    x_*: (n, in_dim) float32 PointNet features; y_*: (n, out_dim) image embeddings. Returns
    (model in eval mode, History, best step)."""
    from ...seed import make_torch_generator, seeded_init
    from ...train import cached_training, fit

    xt, yt = torch.as_tensor(x_train, dtype=torch.float32), torch.as_tensor(y_train, dtype=torch.float32)
    xv, yv = torch.as_tensor(x_val, dtype=torch.float32).to(device), torch.as_tensor(y_val, dtype=torch.float32).to(device)
    cfg = settings.map_config()
    params = _params(variant, seed, settings, (xt, yt, xv, yv), device)

    def make():
        with seeded_init(seed, "pointspider", "mapping", variant):
            return MappingNet(variant, xt.shape[1], yt.shape[1], settings.map_widths)

    best = {"l1": float("inf"), "step": 0, "state": None}

    def train(model):
        g_drop = make_torch_generator(seed, "pointspider", "mapping-dropout", variant)

        def loss_fn(batch, _step):
            with torch.random.fork_rng(devices=[]):  # dropout masks from this run's own stream
                torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=g_drop)))
                pred = model(xt[batch].to(device))
            return torch.nn.functional.l1_loss(pred, yt[batch].to(device))

        def eval_fn(step):
            l1 = float(torch.nn.functional.l1_loss(model(xv), yv))
            if l1 < best["l1"]:
                best.update(l1=l1, step=step, state={k: v.detach().clone() for k, v in model.state_dict().items()})
            return {"val_l1": l1}

        hist = fit(model, loss_fn, cfg, n_items=len(xt), device=device, eval_fn=eval_fn,
                   generator=make_torch_generator(seed, "pointspider", "mapping-batches"),
                   desc=f"map {variant} seed={seed}", progress_bar=progress_bar)
        model.load_state_dict(best["state"])
        return hist

    model, hist, arrays = cached_training("pointspider_mapping", params, make, train, device=device,
                                          extra=lambda _m, _h: {"best_step": np.asarray(best["step"], np.int64)})
    return model, hist, int(arrays["best_step"])


def _pool_job(job: tuple[str, int]) -> tuple[str, int]:
    """One mapping run in a pool worker (inputs from :func:`xmodal.parallel.worker_context`), written to the cache."""
    from ... import runtime
    from ...parallel import worker_context

    c = worker_context()
    with runtime.use(c["settings"].scale):  # one thread per worker: the bits of a serial run
        train_mapping(job[0], *c["arrays"], c["settings"], job[1], c["device"], False)
    return job


def train_mappings(x_train, y_train, x_val, y_val, settings, device="cpu", progress_bar: bool = True,
                   workers: int | None = None) -> dict:
    """:func:`train_mapping` for every variant of :data:`VARIANTS` × ``settings.map_seeds``:
    ``{(variant, seed): (model, History, best step)}``. The runs not cached yet train side by side in ``workers``
    processes (:func:`xmodal.parallel.fill_cache`; each run is seeded by its own arguments, so the bits are a
    serial run's), then every one is read back from the cache in this order. Runs under the scale's runtime
    policy like its workers (the cache key holds torch's thread count)."""
    from ... import runtime
    from ...cache import is_cached
    from ...parallel import fill_cache

    arrays = tuple(np.ascontiguousarray(np.asarray(a, np.float32)) for a in (x_train, y_train, x_val, y_val))
    jobs = [(v, int(s)) for v in VARIANTS for s in settings.map_seeds]
    with runtime.use(settings.scale):
        fill_cache(jobs, lambda j: is_cached("pointspider_mapping", _params(j[0], j[1], settings, arrays, device)),
                   _pool_job, workers, desc="mapping networks", unit="run",
                   context={"arrays": arrays, "settings": settings, "device": str(device)})
        return {j: train_mapping(j[0], *arrays, settings, j[1], device, progress_bar) for j in jobs}
