"""Every figure of notebook 01 (each returns a matplotlib Figure; save it with ``Report.figure``)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...align import chamfer_distance
from .pipeline import FULL, IMAGE_KEY, IMAGE_LABEL, METHOD_LABELS, METHODS, SUB, TEXT_LABELS, THREED_LABELS

__all__ = ["cka_heatmap_figure", "table1_figure", "d_sweep_figure", "anchor_figure", "geometry_figure",
           "neighbour_figure", "loss_figure"]


def cka_heatmap_figure(cka_df: pd.DataFrame):
    """Fig. 2 analogue: linear / debiased / RBF CKA heatmaps, 3D encoders (and the image reference) × text
    encoders, each cell annotated with its chance level."""
    import matplotlib.pyplot as plt

    xs = list(dict.fromkeys(cka_df.x))
    ys = list(dict.fromkeys(cka_df.y))
    kernels = [k for k in ("linear", "debiased", "rbf") if k in set(cka_df.kernel)]
    fig, axes = plt.subplots(1, len(kernels), figsize=(4.2 * len(kernels), 0.55 * len(xs) + 1.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, kern in zip(axes, kernels):
        sub = cka_df[cka_df.kernel == kern].set_index(["x", "y"])
        M = np.array([[sub.loc[(x, y), "cka"] for y in ys] for x in xs])
        C = np.array([[sub.loc[(x, y), "chance"] for y in ys] for x in xs])
        ax.imshow(M, cmap="viridis", vmin=min(0.0, M.min()), vmax=max(1e-6, M.max()), aspect="auto")
        for i in range(len(xs)):
            for j in range(len(ys)):
                ax.text(j, i, f"{M[i, j]:.2f}\n({C[i, j]:.2f})", ha="center", va="center", fontsize=7,
                        color="white" if M[i, j] < 0.6 * M.max() else "black")
        ax.set_xticks(range(len(ys)), [TEXT_LABELS.get(y, y) for y in ys], rotation=25, ha="right", fontsize=8)
        ax.set_yticks(range(len(xs)), [THREED_LABELS.get(x, IMAGE_LABEL if x == IMAGE_KEY else x) for x in xs],
                      fontsize=8)
        ax.axhline(len(xs) - 1.5, color="w", lw=2)
        ax.set_title(f"{kern} CKA (chance)", fontsize=10)
        ax.grid(False)
    fig.suptitle("CKA between 3D and text encoders (last row: image–text reference); shuffled-pairs chance "
                 "in parentheses", fontsize=10)
    fig.tight_layout()
    return fig


def table1_figure(summary: pd.DataFrame, metrics=("matching", "top5"), ratio: float = 2.0):
    """Table 1 as a paired dot plot (standard protocol): per encoder pair (rows), the better full-space method
    (affine or local CKA, open circle) joined to the better subspace method (filled), mean ± std over seeds;
    a grey tick marks ``ratio`` x the full-space value (the registered 'a lot' of claim 01-4, the paper's 2x),
    drawn where it is below 100 %; crosses: no alignment."""
    import matplotlib.pyplot as plt

    if "protocol" in summary:
        summary = summary[summary.protocol == "standard"]
    pairs = list(dict.fromkeys(zip(summary.x, summary.y)))
    s = summary.set_index(["x", "y", "method"])
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics) + 2.2, 0.36 * len(pairs) + 1.4),
                             sharey=True)
    axes = np.atleast_1d(axes)
    y = np.arange(len(pairs))[::-1]
    for ax, met in zip(axes, metrics):
        for yi, (xk, yk) in zip(y, pairs):
            best = lambda ms: max(ms, key=lambda m: s.loc[(xk, yk, m), met])
            f, b = best(FULL), best(SUB)
            fv, fs = 100 * s.loc[(xk, yk, f), met], 100 * s.loc[(xk, yk, f), met + "_std"]
            bv, bs = 100 * s.loc[(xk, yk, b), met], 100 * s.loc[(xk, yk, b), met + "_std"]
            ax.plot([fv, bv], [yi, yi], color="0.6", lw=1, zorder=1)
            ax.errorbar(fv, yi, xerr=fs, fmt="o", mfc="white", mec="tab:blue", ecolor="tab:blue", ms=6, capsize=2,
                        zorder=3, label="full space (better of affine, local CKA)" if yi == y[0] else None)
            ax.errorbar(bv, yi, xerr=bs, fmt="o", color="tab:orange", ms=6, capsize=2, zorder=3,
                        label="CCA subspace (better of + affine, + local CKA)" if yi == y[0] else None)
            if ratio * fv <= 100:
                ax.plot(ratio * fv, yi, marker="|", color="0.25", ms=11, mew=1.5, zorder=2,
                        label=f"{ratio:g} x full space (paper: 'up to ~4x'; ours: 'a lot' = {ratio:g}x)"
                        if yi == y[0] else None)
            if ("none" in summary.method.values) and (xk, yk, "none") in s.index:
                ax.plot(100 * s.loc[(xk, yk, "none"), met], yi, marker="x", color="0.5", ms=4, zorder=2,
                        label="no alignment" if yi == y[0] else None)
        for k in range(1, len(pairs)):
            if pairs[k][0] != pairs[k - 1][0]:
                ax.axhline(y[k] + 0.5, color="0.85", lw=0.8)
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"{'matching accuracy' if met == 'matching' else 'top-5 retrieval accuracy'} (%)")
        ax.set_title({"matching": "Matching", "top5": "Top-5 retrieval"}.get(met, met), fontsize=10)
    axes[0].set_yticks(y, [f"{THREED_LABELS[x]} · {TEXT_LABELS[t]}" for x, t in pairs], fontsize=8)
    axes[0].set_ylim(-0.7, len(pairs) - 0.3)
    h, l = axes[0].get_legend_handles_labels()
    fig.legend(h, l, loc="lower center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def _curve(ax, df, xcol, method, metric, label, **kw):
    g = df[df.method == method].groupby(xcol)[metric]
    m, s = g.mean(), g.std(ddof=0)
    ax.errorbar(m.index, 100 * m.values, yerr=100 * s.values, marker="o", ms=3, capsize=2, label=label, **kw)


def d_sweep_figure(dsw: pd.DataFrame, psw: pd.DataFrame, d_paper: int = 50):
    """Fig. 4 analogue: matching and top-5 vs subspace dimension d (subspace methods) and vs PCA dimension
    (affine alone)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=False)
    for ax, met in zip(axes, ("matching", "top5")):
        for m in SUB:
            _curve(ax, dsw, "d", m, met, f"{METHOD_LABELS[m]} (vs d)")
        g = psw.groupby("k")[met]
        ax.errorbar(g.mean().index, 100 * g.mean().values, yerr=100 * g.std(ddof=0).values, marker="s", ms=3,
                    ls="--", capsize=2, label="affine after PCA (vs PCA dim)")
        ax.axvline(d_paper, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("dimension (d for CCA, k for PCA)")
        ax.set_ylabel(f"{met} (%)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Accuracy vs dimension: CCA subspace (solid) and PCA + affine (dashed); dotted: paper's d = 50",
                 fontsize=10)
    fig.tight_layout()
    return fig


def anchor_figure(asw: pd.DataFrame):
    """Fig. 5 analogue: matching and top-5 accuracy vs the number of anchors (subspace methods)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax, met in zip(axes, ("matching", "top5")):
        for m in SUB:
            _curve(ax, asw, "n_anchors", m, met, METHOD_LABELS[m])
        ax.set_xscale("log")
        ax.set_xlabel("number of anchors")
        ax.set_ylabel(f"{met} (%)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Accuracy vs number of anchors", fontsize=10)
    fig.tight_layout()
    return fig


def geometry_figure(gp: pd.DataFrame):
    """Fig. 6 analogue: caption-embedding distance vs Chamfer distance, before / after alignment, Pearson r
    (the uniform pairs; the within-category stratum is not drawn)."""
    import matplotlib.pyplot as plt

    if "stratum" in gp:
        gp = gp[gp.stratum == "uniform"]
    cols = [("text_raw", "caption distance, raw text space (before)"),
            ("text_subspace", "caption distance, CCA subspace (after)"),
            ("shape_raw", "3D-embedding distance, raw 3D space")]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    for ax, (c, title) in zip(axes, cols):
        r = float(np.corrcoef(gp[c], gp.chamfer)[0, 1])
        same = gp.same_category.to_numpy()
        ax.scatter(gp.chamfer[~same], gp[c][~same], s=6, alpha=0.5, label="different category")
        ax.scatter(gp.chamfer[same], gp[c][same], s=10, alpha=0.8, label="same category")
        ax.set_xlabel("Chamfer distance of the shapes")
        ax.set_ylabel("cosine distance")
        ax.set_title(f"{title}\nPearson r = {r:+.2f}", fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def neighbour_figure(nn_summary: pd.DataFrame, detail: dict, images: np.ndarray, labels: np.ndarray,
                     categories, points: np.ndarray, rows: int = 5, per_query: pd.DataFrame | None = None):
    """Fig. 7 analogue: left, same-category / same-subtype rate (top) and Chamfer distance (bottom) of the
    nearest neighbour in the raw 3D space (blue) vs the subspace (orange) — one colour per space throughout —
    mean with a 95 % interval over queries (``per_query``, :func:`.experiments.neighbour_study`'s
    ``detail["per_query"]``; small dots: the seeds); right, a gallery: query render, its 3 raw-space neighbours, its 3
    subspace neighbours (titles: category and Chamfer distance to the query)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(14, 1.6 * rows + 0.8))
    gs = fig.add_gridspec(rows, 9, width_ratios=[2.2, 0.75] + [1] * 7)
    colours = {"raw 3D": "tab:blue", "subspace": "tab:orange"}
    spaces = list(dict.fromkeys(nn_summary.space))
    top = max(1, rows // 2 + rows % 2)
    ax = fig.add_subplot(gs[:top, 0])
    axc = fig.add_subplot(gs[top:, 0]) if rows > 1 else None
    per = per_query if per_query is not None else None
    for k, sp in enumerate(spaces):
        g = nn_summary[nn_summary.space == sp]
        for j, (col, lab) in enumerate((("same_category", "same category"), ("same_subtype", "same sub-type"))):
            v = g[col].to_numpy(float)
            if per is not None and col in per:  # 95 % normal interval over queries (values averaged over seeds)
                q = per[per.space == sp].groupby("query")[col].mean().to_numpy(float)
                m, e = 100 * q.mean(), 100 * 1.96 * q.std(ddof=1) / np.sqrt(len(q))
            else:
                m, e = 100 * v.mean(), 0.0
            xpos = j + (k - 0.5) * 0.3
            ax.errorbar(xpos, m, yerr=e, fmt="o", color=colours.get(sp), ms=6, capsize=3,
                        label=sp if j == 0 else None)
            ax.plot(np.full(len(v), xpos + 0.08), 100 * v, ".", color=colours.get(sp), ms=3, alpha=0.6)
        if axc is not None:
            c = g.chamfer.to_numpy(float)
            if per is not None:
                q = per[per.space == sp].groupby("query").chamfer.mean().to_numpy(float)
                m, e = q.mean(), 1.96 * q.std(ddof=1) / np.sqrt(len(q))
            else:
                m, e = c.mean(), 0.0
            axc.errorbar(k, m, yerr=e, fmt="D", color=colours.get(sp), ms=6, capsize=3)
            axc.plot(np.full(len(c), k + 0.12), c, ".", color=colours.get(sp), ms=3, alpha=0.6)
    ax.set_xticks([0, 1], ["same category", "same sub-type"], fontsize=8)
    ax.xaxis.tick_top()  # the labels above the panel: the Chamfer panel sits right below it
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylabel("nearest neighbour (%)", fontsize=8)
    ax.legend(fontsize=7, loc="lower left", title="space", title_fontsize=7)
    if axc is not None:
        axc.set_xticks(range(len(spaces)), spaces, fontsize=8)
        axc.set_xlim(-0.5, len(spaces) - 0.5)
        axc.set_ylim(bottom=0)
        axc.set_ylabel("Chamfer distance to the NN", fontsize=8)
    # gallery rows spread evenly over the (category-ordered) queries, so that they show different categories
    sel = np.unique(np.linspace(0, len(detail["queries"]) - 1, rows).round().astype(int))
    for r, k in enumerate(sel):
        q = int(detail["queries"][k])
        row = [(q, "query")] + [(int(j), "raw") for j in detail["raw 3D"][k]] + [(int(j), "sub") for j in detail["subspace"][k]]
        for c, (i, kind) in enumerate(row):
            a = fig.add_subplot(gs[r, 2 + c])
            a.imshow(images[i, 0])
            a.set_xticks([]), a.set_yticks([])
            title = categories[labels[i]]
            if kind != "query":
                title += f"\nCD {chamfer_distance(points[q], points[i]):.3f}"
            a.set_title(title, fontsize=6.5, color={"query": "black", "raw": "tab:blue", "sub": "tab:orange"}[kind])
            if r == 0:
                a.set_xlabel({"query": "query", "raw": "raw 3D NN", "sub": "subspace NN"}[kind], fontsize=7)
                a.xaxis.set_label_position("top")
    fig.suptitle("Nearest neighbours of test shapes: raw 3D space (blue) vs CCA subspace (orange)", fontsize=10)
    return fig


def loss_figure(histories: dict[str, np.ndarray]):
    """Training loss curves (3D pre-training and the text projection), one panel each."""
    import matplotlib.pyplot as plt

    groups: dict[str, list] = {}
    for name in histories:  # the seeds of one encoder share a panel
        base, _, sd = name.rpartition(" seed ")
        groups.setdefault(base if base and sd.isdigit() else name, []).append(name)
    names = list(groups)
    cols = min(3, max(1, len(names)))
    rows = int(math.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        for member in groups[name]:
            h = np.asarray(histories[member], float)
            lab = member[len(name):].strip() or None
            if len(h) > 20:  # one colour per seed: the smoothed curve and, faint, the raw steps
                w = max(2, len(h) // 20)
                (line,) = ax.plot(np.arange(w, len(h) + 1), np.convolve(h, np.ones(w) / w, "valid"), lw=1.2, label=lab)
                ax.plot(np.arange(1, len(h) + 1), h, lw=0.5, alpha=0.25, color=line.get_color())
            else:
                ax.plot(np.arange(1, len(h) + 1), h, lw=0.8, label=lab)
        if len(groups[name]) > 1:
            ax.legend(fontsize=6)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig
