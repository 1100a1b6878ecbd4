"""Figures of paper 03 (matplotlib ``Figure`` objects; the notebook saves them through :class:`xmodal.report.Report`)."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_roulette", "plot_val_curves", "plot_robustness", "plot_errors", "plot_renders", "gallery"]


def _fig(w, h, n=1, m=1):
    from matplotlib.figure import Figure

    from ...report import set_theme

    set_theme()
    fig = Figure(figsize=(w, h))
    return fig, fig.subplots(n, m, squeeze=False)


def plot_roulette(st: dict):
    """Histogram of Double Roulette top-1 per model, the clean mesh top-1 as a line, the paper's Table II as ticks."""
    from .paper import PAPER

    fig, ax = _fig(6.5, 3.2)
    ax = ax[0, 0]
    bins = np.arange(0, 1.0001, 1 / 40) - 0.5 / 40
    for m, r in st["roulette"].items():
        h = ax.hist(r["top1"], bins=bins, alpha=0.55, label=f"{st['models'][m].name} (roulette)")
        ax.axvline(st["zs_rows"][m]["clean mesh renders, test split"][0], color=h[2][0].get_facecolor(), ls="--")
    for v in (t[0] for t in PAPER["table2"].values()):
        ax.axvline(v, color="k", lw=0.8, ymax=0.08)
    n = len(next(iter(st["roulette"].values()))["top1"])
    ax.set_xlabel("top-1 on 40 Double Roulette renders (dashed: clean mesh renders; ticks: paper Table II)")
    ax.set_ylabel("redraws (count)")
    ax.set_title(f"Double Roulette top-1 over {n:,} redraws of the 40-object test set", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_val_curves(st: dict):
    """Validation L1 vs step for every mapping variant and seed."""
    fig, ax = _fig(6, 3.2)
    ax = ax[0, 0]
    colours = {"base": "C0", "lnorm": "C1", "rnorm": "C2"}
    seeds = st["settings"].map_seeds
    for (v, seed), ev in st["curves"].items():
        ax.plot([s for s, _ in ev], [d["val_l1"] for _, d in ev], color=colours[v], alpha=0.8,
                label=f"{v.upper()} ({len(seeds)} seeds)" if seed == seeds[0] else None)
    ax.set_xlabel("training step")
    ax.set_ylabel("validation mean L1 (per coordinate)")
    ax.set_title(f"Mapping networks: one line per variant and seed (seeds {', '.join(map(str, seeds))})", fontsize=10)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_robustness(st: dict):
    """R@5 and zero-shot top-1 through the LNORM map by severity, one line per corruption group."""
    fig, axes = _fig(9, 3.2, 1, 2)
    rob = st["robustness"]
    clean = rob[rob["group"] == "clean"]
    n_seeds = len(st["settings"].map_seeds)
    titles = {"R@5": f"retrieval R@5 (gallery of {st['n_gallery']} clean renders)",
              "zero-shot top-1": f"zero-shot top-1 ({st['n_classes']} classes)"}
    for ax, metric in zip(axes[0], ("R@5", "zero-shot top-1")):
        for g in ("noise", "transform", "density"):
            sub = rob[rob["group"] == g].groupby("severity")[metric].mean()
            ax.plot([0] + list(sub.index), [clean[metric].mean()] + list(sub.values), marker="o", label=g)
        ax.axhline(5 / st["n_gallery"] if metric == "R@5" else 1 / st["n_classes"], color="k", ls=":", label="chance")
        ax.set_xlabel("corruption severity (0 = clean)")
        ax.set_ylabel(metric + " (fraction)")
        ax.set_title(titles[metric], fontsize=10)
    axes[0, 0].legend(title="corruption group", fontsize=8, title_fontsize=8)
    fig.suptitle(f"Through the LNORM map: each point the mean over the group's corruptions and {n_seeds} mapping seeds",
                 fontsize=10)
    fig.tight_layout()
    return fig


def plot_errors(errors):
    """Test error per corruption (rows) and severity (columns) as heat maps: one :func:`~.pipeline.corruption_table`
    (PointNet's) or ``{arch: table}`` side by side, one shared colour scale."""
    import seaborn as sns

    from .pipeline import ENCODER_NAMES

    tables = errors if isinstance(errors, dict) else {"pointnet": errors}
    fig, ax = _fig(5 * len(tables), 5.5, 1, len(tables))
    for k, (arch, err) in enumerate(tables.items()):
        tab = err[err["corruption"] != "clean"].pivot(index="corruption", columns="severity", values="error")
        tab = tab.loc[[c for c in err["corruption"].unique() if c != "clean"]]
        sns.heatmap(100 * tab, annot=True, fmt=".0f", cmap="rocket_r", vmin=0, vmax=100, ax=ax[0, k],
                    cbar=k == len(tables) - 1, cbar_kws={"label": "error (%)"})
        clean = 100 * float(err.loc[err["corruption"] == "clean", "error"].iloc[0])
        name = ENCODER_NAMES.get(arch, arch).replace(" (world, ours)", "")
        ax[0, k].set_title(f"{name} test error under ModelNet40-C\n(clean error {clean:.0f} %, "
                           f"mCE {100 * tab.to_numpy().mean():.0f} %)", fontsize=10)
        ax[0, k].set_xlabel("severity")
        ax[0, k].set_ylabel("corruption" if k == 0 else "")
        if k:
            ax[0, k].set_yticklabels([])
    fig.tight_layout()
    return fig


def plot_renders(st: dict, obj: int = 0, variants=(0, 3, 13, 33, 48, 63, 73)):
    """Project-renderer images of one pool object under a few variants (the inputs of the zero-shot models)."""
    from .pipeline import variant_name

    fig, axes = _fig(1.6 * len(variants), 1.9, 1, len(variants))
    for ax, v in zip(axes[0], variants):
        ax.imshow(st["pool_renders"][obj, v])
        ax.set_title(variant_name(v), fontsize=7)
        ax.axis("off")
    fig.suptitle("Project-renderer inputs of the zero-shot models: one pool object, corruption-severity above each",
                 fontsize=8)
    fig.tight_layout()
    return fig


def gallery(st: dict, obj: int = 0, severities=(1, 3, 5)):
    """The corruption gallery (:func:`xmodal.data.corruption_figures.corruption_gallery`) of one test object."""
    from ...data.corruption_figures import corruption_gallery
    from ...data.corruptions import normalise
    from ...seed import make_rng

    ds = st["ds"]
    i = int(st["eval_rows"][obj])
    shape = ds.shape(i)
    pts = normalise(shape.sample_points(2048, seed=ds.seed)[0])
    return corruption_gallery(pts, shape.mesh, make_rng(st["settings"].seed, "pointspider", "gallery"), severities)
