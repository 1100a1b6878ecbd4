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
* ``pmi_rank_d`` (reference, not trained): mean(G) + best rank-d Frobenius approximation of G - mean(G).

Metrics: L∞, gap = L∞ + MI, Δ = min_c sup |S - G - c| = (max(S - G) - min(S - G)) / 2, the
typical error min_c sqrt(E_{p(x)p(y)}(S - G - c)²), and the numerical rank of S (singular values
≥ rank_tol × the largest).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from xmodal.contrastive import (
    RFF,
    IdentityScale,
    LearnedScale,
    info_nce,
    signed_weight,
    wpce_embed,
    wpce_similarity_matrix_exact,
)
from xmodal.seed import make_torch_generator, seed_everything

__all__ = [
    "Settings",
    "METHODS",
    "joint_distribution",
    "pmi_matrix",
    "mutual_information",
    "population_infonce",
    "sup_error",
    "weighted_rmse",
    "numerical_rank",
    "train_clip",
    "train_wpce",
    "pmi_rank_d",
    "run",
    "run_seeds",
    "plot_gap",
]

METHODS = ("clip", "wpce", "wpce_linear", "pmi_rank_d")
COLUMNS = [
    "method", "d", "seed", "n_items", "n_points", "mi", "pop_loss", "gap", "delta_sup", "rmse", "rank",
    "pmi_rank", "logit_scale", "final_train_loss", "train_seconds",
]


@dataclass(frozen=True)
class Settings:
    """All sizes of a Part A run.

    n_items: N; kappa, kappa2, noise: κ, κ₂, λ of :func:`joint_distribution`; dims: the d's swept;
    n_points: M points per item (WPCE); n_features: D (RFF); kernel / kernel_scale: Gaussian σ;
    alphas: (α₁, α₂); steps, batch_size, lr, warmup: Adam with linear warm-up + cosine decay;
    rank_tol: relative singular-value threshold of the numerical rank; methods: subset of METHODS;
    seeds: the seeds :func:`run_seeds` loops over; threads: torch intra-op threads while training (the
    ops are tiny: extra threads only add overhead, and on a busy machine 2 threads ran ~100× slower).
    """

    name: str = "default"
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
    methods: tuple[str, ...] = ("clip", "wpce", "wpce_linear", "pmi_rank_d")
    seeds: tuple[int, ...] = (0, 1, 2)
    threads: int = 1

    def __post_init__(self):
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"unknown methods {bad}; valid methods are {', '.join(METHODS)}")
        if self.n_items < 3 or any(int(d) < 1 for d in self.dims) or self.n_points < 1 or self.steps < 1:
            raise ValueError("need n_items >= 3, dims >= 1, n_points >= 1 and steps >= 1")
        if not (0 < self.noise < 1):
            raise ValueError(f"noise λ must lie in (0, 1) so that p > 0 everywhere, got {self.noise}")

    @classmethod
    def for_scale(cls, name: str) -> "Settings":
        """Presets: ``ci`` (≤ 30 s), ``default`` (≤ 3 min on 2 cores), ``full`` (bigger, longer)."""
        if name == "ci":
            return cls(name="ci", n_items=32, kappa=20.0, dims=(2, 4), n_points=4, n_features=128, steps=100,
                       batch_size=128, warmup=10, methods=("clip", "wpce", "pmi_rank_d"), seeds=(0,))
        if name == "default":
            return cls()
        if name == "full":
            return cls(name="full", n_items=128, kappa=200.0, dims=(2, 4, 8, 16, 32), n_points=16, n_features=1024,
                       steps=6000, batch_size=512, lr=0.05, warmup=200)
        raise ValueError(f"unknown scale {name!r}; valid scales are ci, default, full")

    def with_(self, **kw) -> "Settings":
        return replace(self, **kw)


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


def numerical_rank(S: np.ndarray, rel_tol: float = 1e-3) -> int:
    """Number of singular values of S ≥ rel_tol × the largest."""
    s = np.linalg.svd(np.asarray(S, np.float64), compute_uv=False)
    return int((s >= rel_tol * s[0]).sum()) if s[0] > 0 else 0


def pmi_rank_d(G: np.ndarray, d: int) -> np.ndarray:
    """Reference similarity: mean(G) + the best rank-d (Frobenius) approximation of G - mean(G)."""
    c = G.mean()
    U, s, Vt = np.linalg.svd(G - c)
    return c + (U[:, :d] * s[:d]) @ Vt[:d]


# ----------------------------------------------------------------------------- training


def _sampler(P: np.ndarray, gen: torch.Generator):
    n = P.shape[0]
    flat = torch.as_tensor(P.reshape(-1), dtype=torch.float64)

    def draw(k: int):
        idx = torch.multinomial(flat, k, replacement=True, generator=gen)
        return idx // n, idx % n

    return draw


def _batch_logits(S_items: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Batch logits L[i, j] = S_items[x_i, y_j] from the (N, N) item-level logits.

    Items are discrete, so scoring all N × N item pairs once and gathering is the same value (and
    gradient) as embedding the batch, and much cheaper when the batch is larger than N.
    """
    return S_items[x[:, None], y[None, :]]


def _schedule(opt, step: int, settings: Settings):
    if step < settings.warmup:
        f = (step + 1) / settings.warmup
    else:
        f = 0.5 * (1 + math.cos(math.pi * (step - settings.warmup) / max(1, settings.steps - settings.warmup)))
    for g in opt.param_groups:
        g["lr"] = settings.lr * f


def _fit(params, loss_fn, settings: Settings, desc: str) -> float:
    opt = torch.optim.Adam(params, lr=settings.lr)
    ema = None
    for step in tqdm(range(settings.steps), desc=desc, leave=False, mininterval=1.0):
        _schedule(opt, step, settings)
        loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
    return float(ema)


def train_clip(P: np.ndarray, d: int, settings: Settings, seed: int):
    """Train CLIP tables; returns (S (N, N) float64 logits, logit scale, final train loss EMA)."""
    n = P.shape[0]
    g_init = make_torch_generator(seed, "wpce_synthetic", "clip", d, "init")
    draw = _sampler(P, make_torch_generator(seed, "wpce_synthetic", "clip", d, "batches"))
    U = torch.nn.Parameter(torch.randn(n, d, generator=g_init))
    V = torch.nn.Parameter(torch.randn(n, d, generator=g_init))
    scale = LearnedScale()

    def loss_fn():
        x, y = draw(settings.batch_size)
        u = torch.nn.functional.normalize(U, dim=1)
        v = torch.nn.functional.normalize(V, dim=1)
        return info_nce(_batch_logits(scale() * u @ v.T, x, y))

    final = _fit([U, V, *scale.parameters()], loss_fn, settings, f"clip d={d}")
    with torch.no_grad():
        u = torch.nn.functional.normalize(U, dim=1).double()
        v = torch.nn.functional.normalize(V, dim=1).double()
        s = float(scale())
        S = s * (u @ v.T).numpy()
    return S, s, final


def train_wpce(P: np.ndarray, d: int, settings: Settings, seed: int, linear: bool = False):
    """Train WPCE point tables (M points + signed weights per item, both sides).

    Training logits use RFF (redrawn every step); the returned S (N, N) float64 uses the exact kernel.
    ``linear`` sets α₂ = 0 (the "WPCE linear" control). Returns (S, scale, final train loss EMA).
    """
    n, M = P.shape[0], settings.n_points
    tag = "wpce_linear" if linear else "wpce"
    alphas = (1.0, 0.0) if linear else tuple(settings.alphas)
    g_init = make_torch_generator(seed, "wpce_synthetic", tag, d, "init")
    draw = _sampler(P, make_torch_generator(seed, "wpce_synthetic", tag, d, "batches"))
    rff = RFF(d, settings.n_features, settings.kernel, settings.kernel_scale,
              generator=make_torch_generator(seed, "wpce_synthetic", tag, d, "rff"))
    pa = torch.nn.Parameter(torch.randn(n, M, d, generator=g_init))
    pb = torch.nn.Parameter(torch.randn(n, M, d, generator=g_init))
    ua = torch.nn.Parameter(torch.randn(n, M, generator=g_init))
    ub = torch.nn.Parameter(torch.randn(n, M, generator=g_init))
    scale = IdentityScale()

    def loss_fn():
        x, y = draw(settings.batch_size)
        rff.resample()
        fa = wpce_embed(pa, signed_weight(ua), rff, alphas)
        fb = wpce_embed(pb, signed_weight(ub), rff, alphas)
        return info_nce(_batch_logits(scale() * fa @ fb.T, x, y))

    final = _fit([pa, pb, ua, ub, *scale.parameters()], loss_fn, settings, f"{tag} d={d}")
    with torch.no_grad():
        s = float(scale())
        sim = wpce_similarity_matrix_exact(pa, signed_weight(ua), pb, signed_weight(ub), settings.kernel,
                                           settings.kernel_scale, alphas)
    return s * sim, s, final


# ----------------------------------------------------------------------------- the experiment


def run(settings: Settings, seed: int = 0) -> pd.DataFrame:
    """Train every method of ``settings`` at every d for one ``seed``; one row per method × d.

    Columns: method, d, seed, n_items, n_points, mi, pop_loss (L∞), gap (= L∞ + MI ≥ 0), delta_sup (Δ),
    rmse (:func:`weighted_rmse`), rank (numerical rank of the learned N×N logits), pmi_rank,
    logit_scale, final_train_loss (EMA of the batch InfoNCE), train_seconds. Trains with
    ``settings.threads`` torch threads and restores the previous number afterwards.
    """
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    seed_everything(seed)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        return _run(settings, seed)
    finally:
        torch.set_num_threads(previous_threads)


def _run(settings: Settings, seed: int) -> pd.DataFrame:
    P = joint_distribution(settings.n_items, settings.kappa, settings.kappa2, settings.noise)
    G = pmi_matrix(P)
    mi = mutual_information(P)
    pmi_rank = numerical_rank(G, settings.rank_tol)
    rows = []
    jobs = [(m, int(d)) for d in settings.dims for m in settings.methods]
    for method, d in tqdm(jobs, desc=f"wpce_synthetic seed={seed}"):
        t0 = time.perf_counter()
        scale, final = float("nan"), float("nan")
        if method == "clip":
            S, scale, final = train_clip(P, d, settings, seed)
        elif method == "wpce":
            S, scale, final = train_wpce(P, d, settings, seed)
        elif method == "wpce_linear":
            S, scale, final = train_wpce(P, d, settings, seed, linear=True)
        else:
            S = pmi_rank_d(G, d)
        L = population_infonce(S, P)
        rows.append(dict(method=method, d=d, seed=seed, n_items=settings.n_items,
                         n_points=settings.n_points if method.startswith("wpce") else 1, mi=mi, pop_loss=L,
                         gap=L + mi, delta_sup=sup_error(S, G), rmse=weighted_rmse(S, G, P),
                         rank=numerical_rank(S, settings.rank_tol),
                         pmi_rank=pmi_rank, logit_scale=scale, final_train_loss=final,
                         train_seconds=time.perf_counter() - t0))
    return pd.DataFrame(rows, columns=COLUMNS)


def run_seeds(settings: Settings) -> pd.DataFrame:
    """:func:`run` for every seed in ``settings.seeds``, concatenated."""
    return pd.concat([run(settings, s) for s in settings.seeds], ignore_index=True)


def settings_dict(settings: Settings) -> dict:
    """The settings as a plain dict (for reports)."""
    return asdict(settings)


_LABELS = {"clip": "CLIP (inner product)", "wpce": "WPCE (Gaussian RFF)", "wpce_linear": "WPCE linear (α₂=0)",
           "pmi_rank_d": "PMI rank-d SVD (reference)"}


def plot_gap(df: pd.DataFrame):
    """Figure with two panels vs d (log₂ axis): the population gap L∞ + MI and Δ = sup|S - G - c|.

    One line per method, mean ± std over seeds. Returns a matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    need = {"method", "d", "gap", "delta_sup"}
    if not need.issubset(df.columns):
        raise ValueError(f"df lacks columns {sorted(need - set(df.columns))}; pass the output of run()")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    for ax, col, ylabel in ((axes[0], "gap", "L∞ + MI (nats)"), (axes[1], "delta_sup", "Δ = sup|g − g*| (nats)")):
        for method, sub in df.groupby("method", sort=False):
            agg = sub.groupby("d")[col].agg(["mean", "std"]).reset_index()
            ax.errorbar(agg["d"], agg["mean"], yerr=agg["std"].fillna(0), marker="o", capsize=3,
                        label=_LABELS.get(method, method), linestyle="--" if method == "pmi_rank_d" else "-")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("embedding dimension d")
        ax.set_ylabel(ylabel)
    axes[0].set_title("gap to the optimum −MI")
    axes[1].set_title("uniform error after best constant")
    axes[0].legend(fontsize=8)
    return fig
