"""Figures of paper 02 (matplotlib; the seaborn theme comes from :func:`xmodal.report.set_theme`).

Part A: :func:`plot_pmi` (the PMI matrix and its spectrum), :func:`plot_gap` (gap and Δ vs d).
Part B: :func:`plot_curves` (training loss per variant), :func:`plot_seeds` (one dot per seed and method),
:func:`plot_sweep` (zero-shot vs d), :func:`plot_spectra` (batch similarity spectra). Lines that could coincide
are told apart by marker, line style and a small horizontal offset, so none hides another.
Each returns a Figure; the notebook saves it with ``Report.figure``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...report import set_theme
from .pipeline import Results
from .settings import VARIANTS, Settings

__all__ = ["plot_pmi", "plot_gap", "plot_curves", "plot_seeds", "plot_spectra", "plot_sweep"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
_STYLES = ("-", "--", "-.", ":")


def _dodge(i: int, n: int, width: float = 0.16) -> float:
    """Multiplicative x-offset (log axis) of series i of n, centred: 2^(width·(i − (n−1)/2))."""
    return 2.0 ** (width * (i - (n - 1) / 2))


def plot_pmi(G: np.ndarray):
    """Two panels: the PMI matrix G (N, N) as an image, and the normalised spectrum σ_k/σ_1 of G − mean(G)."""
    import matplotlib.pyplot as plt

    set_theme()
    G = np.asarray(G, np.float64)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    im = axes[0].imshow(G, cmap="viridis")
    axes[0].set_title("PMI matrix G")
    axes[0].grid(False)
    cb = fig.colorbar(im, ax=axes[0])
    cb.set_label("PMI(x, y) (nats)")
    axes[0].set_xlabel("item y")
    axes[0].set_ylabel("item x")
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
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), layout="constrained")
    for ax, col, ylabel in ((axes[0], "gap", "L∞ + MI (nats)"), (axes[1], "delta_sup", "Δ = sup|g − g*| (nats)")):
        groups = list(df.groupby("method", sort=False))
        for i, (method, sub) in enumerate(groups):
            agg = sub.groupby("d")[col].agg(["mean", "std"]).reset_index()
            ax.errorbar(agg["d"] * _dodge(i, len(groups)), agg["mean"], yerr=agg["std"].fillna(0),
                        marker=_MARKERS[i % len(_MARKERS)], capsize=3, label=_LABELS.get(method, method),
                        linestyle="--" if method in ("pmi_rank_d", "clip_floor") else "-")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("embedding dimension d")
        ax.set_ylabel(ylabel)
    axes[0].set_title("gap to the optimum −MI")
    axes[1].set_title("uniform error after best constant")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8)  # below the axes: it hides no point
    return fig


def plot_seeds(table: pd.DataFrame, metrics=(("zeroshot", "zero-shot top-1 (%)"), ("probe_after", "probe after projection (%)"))):
    """One panel per metric: one dot per seed for every variant (seeds side by side, never on top of each
    other; one marker per seed), the seed mean as a black bar. ``table``: :attr:`~.pipeline.Results.table`."""
    import matplotlib.pyplot as plt

    set_theme()
    need = {"variant", "seed", *(m for m, _ in metrics)}
    if not need.issubset(table.columns):
        raise ValueError(f"table lacks columns {sorted(need - set(table.columns))}; pass Results.table")
    variants = [v for v in VARIANTS if v in set(table["variant"])]
    seeds = sorted(set(table["seed"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.2), constrained_layout=True, squeeze=False)
    for ax, (m, label) in zip(axes[0], metrics):
        for x, v in enumerate(variants):
            sub = table[table["variant"] == v].set_index("seed")
            for j, sd in enumerate(seeds):
                if sd in sub.index:
                    ax.scatter(x + 0.5 * (j - (len(seeds) - 1) / 2) / max(1, len(seeds)), 100 * sub.at[sd, m], s=22,
                               marker=_MARKERS[j % len(_MARKERS)], color=f"C{j % 10}", zorder=3,
                               label=f"seed {sd}")
            ax.hlines(100 * sub[m].mean(), x - 0.3, x + 0.3, color="black", lw=1.5, zorder=2)
        ax.set_xticks(range(len(variants)))
        ax.set_xticklabels([VARIANTS[v].label for v in variants], rotation=35, ha="right", fontsize=7)
        ax.set_ylabel(label)
        ax.set_title(f"{label.split(' (')[0]}: one dot per seed, bar = mean")
    handles, labels = axes[0][0].get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    axes[0][-1].legend(seen.values(), seen.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       title="training seed", title_fontsize=7)  # outside the axes: it hides no dot
    return fig


def plot_curves(res: Results, seed: int | None = None, smooth: int = 10):
    """Left: training InfoNCE (moving average over ``smooth`` steps, log axis) per variant for one seed
    (default: the first); right: the validation InfoNCE of the plateau rule at each evaluation, on a linear axis
    zoomed to the curves that start near chance — a run that starts ≥ 10× higher (positive weights with the
    paper's initialisation) starts above the top there and is marked so in the legend."""
    import matplotlib.pyplot as plt

    set_theme()
    seed = sorted({s for _, s in res.curves})[0] if seed is None else seed
    fig, (ax, axv) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    runs = [(v, c) for (v, s), c in res.curves.items() if s == seed]
    starts = np.array([float(np.mean(c[:5])) for _, c in runs])
    off = {v for (v, _), x in zip(runs, starts) if x >= 10 * np.median(starts)}
    zoom = []
    for i, (v, c) in enumerate(runs):
        k = max(1, min(smooth, len(c)))
        label = VARIANTS[v].label + (" (starts above the right panel's top)" if v in off else "")
        line, = ax.plot(np.convolve(c, np.ones(k) / k, mode="valid"), label=label, ls=_STYLES[i % len(_STYLES)])
        vc = res.val_curves.get((v, seed), [])
        if vc:
            axv.plot([a for a, _ in vc], [b for _, b in vc], marker=_MARKERS[i % len(_MARKERS)], ms=3.5,
                     color=line.get_color(), ls=_STYLES[i % len(_STYLES)])
            if v not in off:
                zoom += [b for _, b in vc]
    ax.set_yscale("log")  # positive weights (paper init) start orders of magnitude higher
    ax.set_xlabel("step")
    ax.set_ylabel("batch InfoNCE (log scale)")
    ax.set_title(f"training loss (seed {seed})")
    if zoom:
        lo, hi = min(zoom), max(zoom)
        axv.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    axv.set_xlabel("step")
    axv.set_ylabel("validation InfoNCE (nats)")
    axv.set_title("validation loss of the plateau rule (zoomed)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=8)
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
    groups = list(sweep.groupby("variant", sort=False))
    for i, (v, sub) in enumerate(groups):
        k = _dodge(i, len(groups))
        m = sub.groupby("d")["zeroshot"].mean()
        line, = ax.plot(m.index * k, 100 * m.values, marker=_MARKERS[i % len(_MARKERS)], ls=_STYLES[i % len(_STYLES)],
                        mfc="none", ms=8, label=f"{VARIANTS[v].label} (hollow: mean; dots: seeds)")  # hollow: no dot hidden
        seeds = sorted(set(sub["seed"]))
        jitter = sub["seed"].map({sd: 2.0 ** (0.04 * (j - (len(seeds) - 1) / 2)) for j, sd in enumerate(seeds)})
        ax.scatter(sub["d"] * k * jitter, 100 * sub["zeroshot"], s=12, color=line.get_color(), alpha=0.8,
                   marker=_MARKERS[i % len(_MARKERS)], zorder=3)  # seeds side by side: equal values stay visible
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
    for i, v in enumerate(variants):
        sp = [s / s[0] for (vv, _), s in res.spectra.items() if vv == v]
        if not sp:
            continue
        ax.plot(np.arange(1, len(sp[0]) + 1), np.mean(sp, 0), label=VARIANTS[v].label, ls=_STYLES[i % len(_STYLES)])
    ax.axvline(settings.embed_dim, color="grey", ls="--", lw=1, label=f"d = {settings.embed_dim}")
    ax.axhline(settings.rank_tol, color="grey", ls=":", lw=1, label="rank threshold")
    ax.set_yscale("log")
    ax.set_ylim(1e-8, 2)
    ax.set_xlabel("k")
    ax.set_ylabel("σ_k / σ_1")
    ax.set_title(f"singular values of the {settings.rank_batch}×{settings.rank_batch} similarity matrix")
    ax.legend(fontsize=7)
    return fig
