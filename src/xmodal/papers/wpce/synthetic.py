"""Paper 02, Part A: the rank limit of inner-product similarities on a synthetic joint distribution.

Setting. N items x and N items y sit on a circle, θ_k = 2πk/N. The joint distribution is a mixture
of a von Mises-like coupling (with a small second harmonic) and uniform noise:

    p(x, y) = (1 - λ) q(θ_x - θ_y) / Σ q  +  λ / N²,      q(Δ) = exp(κ (cos Δ - 1) + κ₂ (cos 2Δ - 1)).

Both marginals are uniform, and the PMI G = log p(x, y) / (p(x) p(y)) = log(N² p(x, y)) is the *log of
a mixture*: a smooth circulant kernel with many significant Fourier harmonics, hence a numerical rank
well above d + 1 for the d's we sweep. (A pure von Mises coupling would give PMI = κ cos Δ + const, of
rank 3, which a d = 2 CLIP model represents exactly — that is why the noise mixture is there.)
The mutual information I(X; Y) = Σ p log(p / p(x)p(y)) is computed exactly. The default κ = 100
(N = 64, λ = 0.1) makes the peak about one item wide, so that even the best rank-16 approximation
of the PMI leaves a visible loss gap (≈ 0.02 nats): a numerical rank above d + 1 alone is not enough,
the tail singular values must also matter for the loss at the largest d swept.

Population loss. For logits S(x, y) = s·g(x, y) and batch size K, the symmetric InfoNCE minus log K
converges as K → ∞ to

    L∞(S) = -E_p[S] + ½ E_p(x)[log E_p(y) e^{S(x, y)}] + ½ E_p(y)[log E_p(x) e^{S(x, y)}],      (L∞)

(the positive's own term in each denominator is 1/K of it and vanishes). Writing the x → y half as
-E_p[log q(y|x)/p(y)] with q(y|x) ∝ p(y) e^{S(x,y)} shows L∞ = -I(X;Y) + ½E KL(p(y|x)||q(y|x)) +
½E KL(p(x|y)||q(x|y)) ≥ -I(X; Y), with equality iff S = PMI + const. So ``gap = L∞ + MI ≥ 0`` is the
excess population loss, and 0 is reachable only by a similarity that matches the PMI up to a constant.
Training on finite batches aims at the same target: with negatives drawn independently from p(y),
the K-sample InfoNCE is ranking-based NCE, whose minimiser is PMI + c(x) for every K (Ma & Collins,
2018); the symmetric version pins c to a constant.

Methods, each trained with symmetric InfoNCE on batches of pairs sampled from p:

* ``clip``: embedding tables U, V (N, d), rows L2-normalised, S = s <û_x, v̂_y>, s = exp(t) ≤ 100.
* ``wpce``: per item M learnable points (N, M, d) and weight pre-activations (N, M) on each side,
  signed weights a·tanh(u/a), Gaussian kernel σ = 0.5 through RFF (D features, redrawn every step),
  (α₁, α₂) = (2/3, 1/3), identity-parameterised scale in [1, 100]. Evaluated with the *exact* kernel.
  D = 256 by default (the paper's 1024 is for 512-d points; our points have d ≤ 16 dimensions).
* ``wpce_linear`` (optional control): the same with α₂ = 0, i.e. an unnormalised rank-≤ d similarity.
* ``pmi_rank_d`` (not trained; *not* a bound): mean(G) + the rank-d SVD truncation of G - mean(G). It is
  the best rank-d matrix in unweighted squared error, but the InfoNCE loss weights errors through the
  softmax (by p(y|x), i.e. mostly on the sharp diagonal peak), so trained CLIP tables of the same rank
  reach a lower loss at every d: it shows how much the *loss-optimal* rank-d logits differ from the
  Frobenius-optimal ones, and is context only (no verdict reads it).
* ``clip_floor``: CLIP at d = ``floor_d`` ≥ rank(PMI) + 1 (default d = N). The rank limit cannot bind there,
  so its gap is what finite training leaves (the optimisation floor); claim 02-1 measures CLIP's gap at
  the swept d *above* this floor, seed by seed.

Metrics: L∞, gap = L∞ + MI, Δ = min_c sup |S - G - c| = (max(S - G) - min(S - G)) / 2, the
typical error min_c sqrt(E_{p(x)p(y)}(S - G - c)²), and the numerical rank of S (singular values
≥ rank_tol × the largest).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from ... import runtime
from ...contrastive import LogitScale, RFF, info_nce, signed_weight, wpce_embed, wpce_similarity_matrix_exact
from ...evaluation import numerical_rank
from ...progress import progress
from ...seed import make_torch_generator, seed_everything
from ...train import fit
from .settings import SyntheticSettings

__all__ = ["COLUMNS", "joint_distribution", "pmi_matrix", "mutual_information", "population_infonce",
           "sup_error", "weighted_rmse", "pmi_rank_d", "train_clip", "train_wpce", "run", "run_seeds"]

COLUMNS = [
    "method", "d", "seed", "n_items", "n_points", "mi", "pop_loss", "gap", "delta_sup", "rmse", "rank",
    "pmi_rank", "logit_scale", "final_train_loss", "train_seconds",
]


# ----------------------------------------------------------------------------- the distribution


def joint_distribution(n_items: int, kappa: float, kappa2: float = 0.0, noise: float = 0.1) -> np.ndarray:
    """p(x, y): (N, N) float64, sums to 1 (module docstring): (1-λ) q(θ_x - θ_y)/Σq + λ/N²."""
    if n_items < 1:
        raise ValueError(f"n_items must be positive, got {n_items}")
    if not (0 <= noise <= 1):
        raise ValueError(f"noise must lie in [0, 1], got {noise}")
    th = 2 * np.pi * np.arange(n_items) / n_items
    delta = th[:, None] - th[None, :]
    q = np.exp(kappa * (np.cos(delta) - 1.0) + kappa2 * (np.cos(2 * delta) - 1.0))
    return (1.0 - noise) * q / q.sum() + noise / n_items**2


def pmi_matrix(P: np.ndarray) -> np.ndarray:
    """G[x, y] = log p(x, y) - log p(x) - log p(y): (N, N) float64; P must be positive and sum to 1."""
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or (P <= 0).any() or abs(P.sum() - 1) > 1e-9:
        raise ValueError("P must be a 2-D array of positive probabilities summing to 1")
    return np.log(P) - np.log(P.sum(1, keepdims=True)) - np.log(P.sum(0, keepdims=True))


def mutual_information(P: np.ndarray) -> float:
    """I(X; Y) = Σ p(x, y) G(x, y) in nats."""
    return float((np.asarray(P, np.float64) * pmi_matrix(P)).sum())


def _logmeanexp(S: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    """log Σ_k w_k exp(S_k) along ``axis`` (w a probability vector), stable."""
    m = S.max(axis=axis, keepdims=True)
    shape = [1, 1]
    shape[axis] = -1
    return (np.log((w.reshape(shape) * np.exp(S - m)).sum(axis=axis, keepdims=True)) + m).squeeze(axis)


def population_infonce(S: np.ndarray, P: np.ndarray) -> float:
    """L∞(S) (module docstring): the N → ∞ symmetric InfoNCE (minus log K) of logits S under p = P.

    S: (N, N) logits S[x, y] (scale × similarity); P: (N, N) joint probabilities. Minimum -I(X; Y),
    attained iff S = PMI + const; invariant to adding a constant to S.
    """
    S = np.asarray(S, np.float64)
    P = np.asarray(P, np.float64)
    if S.shape != P.shape or S.ndim != 2:
        raise ValueError(f"S and P must be (N, N) of the same shape, got {S.shape} and {P.shape}")
    px, py = P.sum(1), P.sum(0)
    x_to_y = px @ _logmeanexp(S, py, axis=1)
    y_to_x = py @ _logmeanexp(S, px, axis=0)
    return float(-(P * S).sum() + 0.5 * (x_to_y + y_to_x))


def sup_error(S: np.ndarray, G: np.ndarray) -> float:
    """Δ = min_c max |S - G - c| = (max(S - G) - min(S - G)) / 2 (the best c is the midrange)."""
    E = np.asarray(S, np.float64) - np.asarray(G, np.float64)
    return float((E.max() - E.min()) / 2)


def weighted_rmse(S: np.ndarray, G: np.ndarray, P: np.ndarray) -> float:
    """min_c sqrt(E_{p(x)p(y)}[(S - G - c)²]): the typical (not worst-case) error, c = the weighted mean."""
    E = np.asarray(S, np.float64) - np.asarray(G, np.float64)
    w = np.outer(P.sum(1), P.sum(0))
    c = (w * E).sum()
    return float(np.sqrt((w * (E - c) ** 2).sum()))


def pmi_rank_d(G: np.ndarray, d: int) -> np.ndarray:
    """mean(G) + the rank-d SVD truncation of G - mean(G) (the Frobenius-optimal rank-d matrix; not the
    InfoNCE-optimal one, so not a bound on the gap: module docstring)."""
    c = G.mean()
    U, s, Vt = np.linalg.svd(G - c)
    return c + (U[:, :d] * s[:d]) @ Vt[:d]


# ----------------------------------------------------------------------------- training


def _sampler(P: np.ndarray, gen: torch.Generator, device):
    """draw(k) → (x, y): k pairs sampled from p = P (flattened multinomial on the CPU ``gen``), on ``device``."""
    n = P.shape[0]
    flat = torch.as_tensor(P.reshape(-1), dtype=torch.float64)

    def draw(k: int):
        idx = torch.multinomial(flat, k, replacement=True, generator=gen).to(device)
        return idx // n, idx % n

    return draw


def _batch_logits(S_items: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Batch logits L[i, j] = S_items[x_i, y_j] from the (N, N) item-level logits.

    Items are discrete, so scoring all N × N item pairs once and gathering is the same value (and
    gradient) as embedding the batch, and much cheaper when the batch is larger than N.
    """
    return S_items[x[:, None], y[None, :]]


def _ema(losses: np.ndarray, beta: float = 0.98) -> float:
    """Exponential moving average of the batch losses (the 'final train loss' of a run)."""
    ema = float(losses[0])
    for v in losses[1:]:
        ema = beta * ema + (1 - beta) * float(v)
    return ema


def _param(t: torch.Tensor, device) -> torch.nn.Parameter:
    return torch.nn.Parameter(t.to(device))


def train_clip(P: np.ndarray, d: int, settings: SyntheticSettings, seed: int, device="cpu"):
    """Train CLIP tables U, V (N, d), rows L2-normalised, S = s <û_x, v̂_y> with the exp-parameterised scale,
    by :func:`xmodal.train.fit`. Returns (S (N, N) float64 logits, logit scale, final train loss EMA)."""
    n = P.shape[0]
    g_init = make_torch_generator(seed, "wpce_synthetic", "clip", d, "init")
    draw = _sampler(P, make_torch_generator(seed, "wpce_synthetic", "clip", d, "batches"), device)
    U = _param(torch.randn(n, d, generator=g_init), device)
    V = _param(torch.randn(n, d, generator=g_init), device)
    scale = LogitScale.clip().to(device)

    def loss_fn(_batch, _step):
        x, y = draw(settings.batch_size)
        u = torch.nn.functional.normalize(U, dim=1)
        v = torch.nn.functional.normalize(V, dim=1)
        return info_nce(_batch_logits(scale() * u @ v.T, x, y))

    hist = fit([U, V, scale], loss_fn, settings.train_config, device=device, desc=f"clip d={d}")
    with torch.no_grad():
        u = torch.nn.functional.normalize(U, dim=1).double()
        v = torch.nn.functional.normalize(V, dim=1).double()
        s = float(scale())
        S = s * (u @ v.T).cpu().numpy()
    return S, s, _ema(hist.loss)


def train_wpce(P: np.ndarray, d: int, settings: SyntheticSettings, seed: int, linear: bool = False, device="cpu"):
    """Train WPCE point tables (M points + signed weights per item, both sides) by :func:`xmodal.train.fit`.

    Training logits use RFF (redrawn every step); the returned S (N, N) float64 uses the exact kernel.
    ``linear`` sets α₂ = 0 (the "WPCE linear" control). Returns (S, scale, final train loss EMA).
    """
    n, M = P.shape[0], settings.n_points
    tag = "wpce_linear" if linear else "wpce"
    alphas = (1.0, 0.0) if linear else tuple(settings.alphas)
    g_init = make_torch_generator(seed, "wpce_synthetic", tag, d, "init")
    draw = _sampler(P, make_torch_generator(seed, "wpce_synthetic", tag, d, "batches"), device)
    rff = RFF(d, settings.n_features, settings.kernel, settings.kernel_scale,
              generator=make_torch_generator(seed, "wpce_synthetic", tag, d, "rff"), device=device)
    pa = _param(torch.randn(n, M, d, generator=g_init), device)
    pb = _param(torch.randn(n, M, d, generator=g_init), device)
    ua = _param(torch.randn(n, M, generator=g_init), device)
    ub = _param(torch.randn(n, M, generator=g_init), device)
    scale = LogitScale.wpce().to(device)

    def loss_fn(_batch, _step):
        x, y = draw(settings.batch_size)
        rff.resample()
        fa = wpce_embed(pa, signed_weight(ua), rff, alphas)
        fb = wpce_embed(pb, signed_weight(ub), rff, alphas)
        return info_nce(_batch_logits(scale() * fa @ fb.T, x, y))

    hist = fit([pa, pb, ua, ub, scale], loss_fn, settings.train_config, device=device, desc=f"{tag} d={d}")
    with torch.no_grad():
        s = float(scale())
        sim = wpce_similarity_matrix_exact(pa.cpu(), signed_weight(ua).cpu(), pb.cpu(), signed_weight(ub).cpu(),
                                           settings.kernel, settings.kernel_scale, alphas)
    return s * np.asarray(sim, np.float64), s, _ema(hist.loss)


# ----------------------------------------------------------------------------- the experiment


def run(settings: SyntheticSettings, seed: int = 0, workers: int | None = 1) -> pd.DataFrame:
    """Train every method of ``settings`` at every d for one ``seed``; one row per method × d.

    Also trains ``clip_floor`` (CLIP at d = ``settings.floor_d``, the optimisation floor) when "clip" is
    among the methods. Columns (:data:`COLUMNS`): method, d, seed, n_items, n_points, mi, pop_loss (L∞), gap (= L∞ + MI ≥ 0),
    delta_sup (Δ), rmse (:func:`weighted_rmse`), rank (numerical rank of the learned N×N logits), pmi_rank,
    logit_scale, final_train_loss (EMA of the batch InfoNCE), train_seconds. Every run is seeded by (seed,
    method, d) alone and runs under the scale's runtime policy (:func:`xmodal.runtime.use`: threads, device);
    ``workers`` > 1 (None: :func:`xmodal.parallel.default_workers`) runs them in the project's process pool,
    with the bits of a serial run.
    """
    if not isinstance(settings, SyntheticSettings):
        raise TypeError(f"settings must be a SyntheticSettings, got {type(settings).__name__}")
    return run_seeds(settings.with_(seeds=(int(seed),)), workers)


def _jobs(settings: SyntheticSettings, seed: int) -> list:
    jobs = [(m, int(d)) for d in settings.dims for m in settings.methods]
    if "clip" in settings.methods:
        jobs.append(("clip_floor", settings.floor_d))
    return [(settings, int(seed), m, d) for m, d in jobs]


#: the settings that only list runs (a run's row does not depend on them)
_LISTS = ("seeds", "dims", "methods")


def _row_params(job) -> dict:
    """The cache key of one Part A run: its settings (less the run lists), seed, method, d and code."""
    from dataclasses import asdict

    from ...cache import code_hash
    from ...runtime import numerics_key, resolve

    settings, seed, method, d = job
    return {"settings": {k: v for k, v in asdict(settings).items() if k not in _LISTS}, "seed": int(seed),
            "method": method, "d": int(d), "device": str(resolve(settings.scale).device), "numerics": numerics_key(),
            "code": code_hash("xmodal.papers.wpce.synthetic", "xmodal.contrastive", "xmodal.train", "xmodal.seed",
                              "xmodal.evaluation")}


def _job(job) -> dict:
    """One Part A run (settings, seed, method, d) → its row (under the scale's runtime policy), cached on disk
    (``wpce_part_a``): a rerun reads the row it wrote."""
    from ...cache import cached_arrays

    def build():
        settings, seed, method, d = job
        with runtime.use(settings.scale) as rt:
            seed_everything(seed)
            return {k: np.asarray(v) for k, v in _one(settings, seed, method, d, rt.device).items()}

    return {k: np.asarray(v).item() for k, v in cached_arrays("wpce_part_a", _row_params(job), build).items()}


def _is_cached(job) -> bool:
    from ...cache import is_cached

    return is_cached("wpce_part_a", _row_params(job))


def _one(settings: SyntheticSettings, seed: int, method: str, d: int, device) -> dict:
    P = joint_distribution(settings.n_items, settings.kappa, settings.kappa2, settings.noise)
    G = pmi_matrix(P)
    mi = mutual_information(P)
    t0 = time.perf_counter()
    scale, final = float("nan"), float("nan")
    if method in ("clip", "clip_floor"):
        S, scale, final = train_clip(P, d, settings, seed, device=device)
    elif method == "wpce":
        S, scale, final = train_wpce(P, d, settings, seed, device=device)
    elif method == "wpce_linear":
        S, scale, final = train_wpce(P, d, settings, seed, linear=True, device=device)
    else:
        S = pmi_rank_d(G, d)
    L = population_infonce(S, P)
    return dict(method=method, d=d, seed=seed, n_items=settings.n_items,
                n_points=settings.n_points if method.startswith("wpce") else 1, mi=mi, pop_loss=L,
                gap=L + mi, delta_sup=sup_error(S, G), rmse=weighted_rmse(S, G, P),
                rank=numerical_rank(S, settings.rank_tol), pmi_rank=numerical_rank(G, settings.rank_tol),
                logit_scale=scale, final_train_loss=final, train_seconds=time.perf_counter() - t0)


def run_seeds(settings: SyntheticSettings, workers: int | None = None) -> pd.DataFrame:
    """:func:`run` for every seed in ``settings.seeds``, concatenated (rows ordered by seed, then d, then method,
    the floor last); ``workers`` as in :func:`run` (default: :func:`xmodal.parallel.default_workers`)."""
    from ...parallel import fill_cache

    if not isinstance(settings, SyntheticSettings):
        raise TypeError(f"settings must be a SyntheticSettings, got {type(settings).__name__}")
    jobs = [j for seed in settings.seeds for j in _jobs(settings, seed)]
    # the uncached runs in the pool (dearest first; each is seeded by its own arguments, so no bits move), then
    # every row from the cache in the jobs' order
    fill_cache(jobs, _is_cached, _job, workers, desc="Part A", unit="run", order=lambda j: -_cost(j))
    rows = [_job(j) for j in progress(jobs, desc="Part A", unit="run")]
    return pd.DataFrame(rows, columns=COLUMNS)


def _cost(job) -> float:
    _, _, method, d = job
    return {"wpce": 4.0, "wpce_linear": 3.0, "pmi_rank_d": 0.0}.get(method, 1.0) * (1 + d / 64)
