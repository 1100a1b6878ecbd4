"""Figures of paper 02 (matplotlib; the seaborn theme comes from :func:`xmodal.report.set_theme`).

Part A: :func:`plot_pmi` (the PMI matrix and its spectrum), :func:`plot_gap` (gap and Δ vs d).
Part B: :func:`plot_curves` (training loss per variant), :func:`plot_spectra` (batch similarity spectra).
Each returns a Figure; the notebook saves it with ``Report.figure``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...report import set_theme
from .pipeline import Results
from .settings import VARIANTS, Settings

__all__ = ["plot_pmi", "plot_gap", "plot_curves", "plot_spectra", "plot_sweep"]


def plot_pmi(G: np.ndarray):
    """Two panels: the PMI matrix G (N, N) as an image, and the normalised spectrum σ_k/σ_1 of G − mean(G)."""
    import matplotlib.pyplot as plt

    set_theme()
    G = np.asarray(G, np.float64)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), constrained_layout=True)
    im = axes[0].imshow(G, cmap="viridis")
    axes[0].set_title("PMI matrix G")
    axes[0].grid(False)
    fig.colorbar(im, ax=axes[0])
    sv = np.linalg.svd(G - G.mean(), compute_uv=False)
    axes[1].semilogy(np.arange(1, len(sv) + 1), sv / sv[0], marker=".")
    axes[1].set_xlabel("k")
    axes[1].set_ylabel("σ_k / σ_1")
    axes[1].set_title("spectrum of G − mean(G)")
    return fig


_LABELS = {"clip": "CLIP (inner product)", "wpce": "WPCE (Gaussian RFF)", "wpce_linear": "WPCE linear (α₂=0)",
           "pmi_rank_d": "PMI rank-d SVD truncation (not a bound)", "clip_floor": "CLIP at d = N (optimisation floor)"}


def plot_gap(df: pd.DataFrame):
    """Figure with two panels vs d (log₂ axis): the population gap L∞ + MI and Δ = sup|S - G - c|.

    One line per method, mean ± std over seeds. Returns a matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    set_theme()
    need = {"method", "d", "gap", "delta_sup"}
    if not need.issubset(df.columns):
        raise ValueError(f"df lacks columns {sorted(need - set(df.columns))}; pass the output of run()")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    for ax, col, ylabel in ((axes[0], "gap", "L∞ + MI (nats)"), (axes[1], "delta_sup", "Δ = sup|g − g*| (nats)")):
        for method, sub in df.groupby("method", sort=False):
            agg = sub.groupby("d")[col].agg(["mean", "std"]).reset_index()
            ax.errorbar(agg["d"], agg["mean"], yerr=agg["std"].fillna(0), marker="o", capsize=3,
                        label=_LABELS.get(method, method), linestyle="--" if method in ("pmi_rank_d", "clip_floor") else "-")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("embedding dimension d")
        ax.set_ylabel(ylabel)
    axes[0].set_title("gap to the optimum −MI")
    axes[1].set_title("uniform error after best constant")
    axes[0].legend(fontsize=8)
    return fig


def plot_curves(res: Results, seed: int | None = None, smooth: int = 10):
    """Left: training InfoNCE (moving average over ``smooth`` steps, log axis) per variant for one seed
    (default: the first); right: the validation InfoNCE of the plateau rule at each evaluation."""
    import matplotlib.pyplot as plt

    set_theme()
    seed = sorted({s for _, s in res.curves})[0] if seed is None else seed
    fig, (ax, axv) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    for (v, s), c in res.curves.items():
        if s != seed:
            continue
        k = max(1, min(smooth, len(c)))
        line, = ax.plot(np.convolve(c, np.ones(k) / k, mode="valid"), label=VARIANTS[v].label)
        vc = res.val_curves.get((v, s), [])
        if vc:
            axv.plot([a for a, _ in vc], [b for _, b in vc], marker=".", color=line.get_color())
    ax.set_yscale("log")  # positive weights (paper init) start orders of magnitude higher
    ax.set_xlabel("step")
    ax.set_ylabel("batch InfoNCE (log scale)")
    ax.set_title(f"training loss (seed {seed})")
    ax.legend(fontsize=7)
    axv.set_yscale("log")
    axv.set_xlabel("step")
    axv.set_ylabel("validation InfoNCE")
    axv.set_title("validation loss (plateau rule)")
    return fig


def plot_sweep(sweep: pd.DataFrame, n_classes: int):
    """Zero-shot top-1 vs d (log₂ axis), one line per variant, every seed as a dot and the seed mean as a
    line; the dashed line marks d + 1 = n_classes (left of it a rank-(d+1) similarity cannot separate all
    classes). ``sweep``: long table variant, d, seed, zeroshot (:func:`~.pipeline.sweep_table`)."""
    import matplotlib.pyplot as plt

    set_theme()
    need = {"variant", "d", "seed", "zeroshot"}
    if not need.issubset(sweep.columns):
        raise ValueError(f"sweep lacks columns {sorted(need - set(sweep.columns))}; pass sweep_table(res, settings)")
    fig, ax = plt.subplots(figsize=(6, 3.6), constrained_layout=True)
    for v, sub in sweep.groupby("variant", sort=False):
        m = sub.groupby("d")["zeroshot"].mean()
        line, = ax.plot(m.index, 100 * m.values, marker="o", label=VARIANTS[v].label)
        ax.scatter(sub["d"], 100 * sub["zeroshot"], s=10, color=line.get_color(), alpha=0.5)
    ax.axvline(n_classes - 1, color="grey", ls="--", lw=1, label=f"d + 1 = {n_classes} classes")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("embedding dimension d")
    ax.set_ylabel("zero-shot top-1 (%)")
    ax.set_title("zero-shot vs d (dots: seeds)")
    ax.legend(fontsize=7)
    return fig


def plot_spectra(res: Results, settings: Settings, variants=("clip", "wpce_gauss", "wpce_imq", "wpce_linear")):
    """Normalised singular values σ_k / σ_1 of the batch similarity matrix (seed-mean), log scale, with
    CLIP's bound d and the rank threshold."""
    import matplotlib.pyplot as plt

    set_theme()
    fig, ax = plt.subplots(figsize=(6, 3.5), constrained_layout=True)
    for v in variants:
        sp = [s / s[0] for (vv, _), s in res.spectra.items() if vv == v]
        if not sp:
            continue
        ax.plot(np.arange(1, len(sp[0]) + 1), np.mean(sp, 0), label=VARIANTS[v].label)
    ax.axvline(settings.embed_dim, color="grey", ls="--", lw=1, label=f"d = {settings.embed_dim}")
    ax.axhline(settings.rank_tol, color="grey", ls=":", lw=1, label="rank threshold")
    ax.set_yscale("log")
    ax.set_ylim(1e-8, 2)
    ax.set_xlabel("k")
    ax.set_ylabel("σ_k / σ_1")
    ax.set_title(f"singular values of the {settings.rank_batch}×{settings.rank_batch} similarity matrix")
    ax.legend(fontsize=7)
    return fig
