"""Figures of notebook 04: Poincaré-disk pictures of the embeddings, retrieval vs curvature, distance to the
origin by caption level, the spread over MERU's training, and the H² proposition figure."""
from __future__ import annotations

import math

import numpy as np
import torch

from ...hyperbolic import lorentz as L

__all__ = ["to_poincare", "embedding_figure", "curvature_figure", "level_figure", "spread_figure",
           "proposition_figure"]


def to_poincare(x: torch.Tensor, curv) -> np.ndarray:
    """Space components (n, D) → the unit Poincaré ball: √c x_s / (1 + √c x₀) (n, D)."""
    rc = math.sqrt(float(curv))
    x = x.double()
    return (rc * x / (1 + rc * L.time_component(x, curv)[:, None])).numpy()


def _disk(ax):
    ax.add_patch(__import__("matplotlib").patches.Circle((0, 0), 1, fill=False, color="0.3", lw=1))
    ax.set_xlim(-1.05, 1.05), ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal"), ax.set_xticks([]), ax.set_yticks([])


def embedding_figure(models: dict, feats, settings, n: int = 60, n_cones: int = 3, seed: int = 0):
    """One Poincaré disk per hyperbolic method: test captions of levels 0–4 and their images.

    Each point keeps its true distance to the origin; its direction is the 2-D PCA of the tangent vectors
    log₀(x) of everything shown (a picture, not an isometry). Cones: a few level-4 texts with wedges of their
    half-aperture around the outward ray (drawn in the tangent picture)."""
    import matplotlib.pyplot as plt

    from ...evaluation import pca_project
    from .pipeline import embed

    te = feats.test_instances()[:n]
    rows = feats.image_row(te)
    fig, axes = plt.subplots(1, len(models), figsize=(4.6 * len(models), 4.6))
    axes = np.atleast_1d(axes)
    for ax, (name, tr) in zip(axes, models.items()):
        c = tr.curv
        xs = [embed(tr, feats, feats.cap_ids[te, lv, 0])[0] for lv in range(5)]
        _, y = embed(tr, feats, None, rows)
        allp = torch.cat(xs + [y]).double()
        v = L.log_map0(allp, c).numpy()
        v2 = pca_project(v, v, 2)
        r = L.dist0(allp, c).numpy()
        u = v2 / np.maximum(np.linalg.norm(v2, axis=1, keepdims=True), 1e-12)
        p = u * (np.tanh(math.sqrt(c) * r / 2))[:, None]  # Poincaré radius of a point at distance r
        _disk(ax)
        k = len(te)
        for lv in range(5):
            ax.scatter(*p[lv * k:(lv + 1) * k].T, s=8, color=plt.cm.viridis(lv / 4), label=f"text level {lv}")
        ax.scatter(*p[5 * k:].T, s=8, color="C3", marker="x", label="images")
        ap = L.half_aperture(xs[4][:n_cones].double(), c, settings.aperture_K).numpy()
        for j in range(n_cones):
            q, a = p[4 * k + j], math.atan2(p[4 * k + j, 1], p[4 * k + j, 0])
            for sgn in (-1, 1):
                ax.plot([q[0], q[0] + 0.5 * math.cos(a + sgn * ap[j])], [q[1], q[1] + 0.5 * math.sin(a + sgn * ap[j])],
                        color="0.4", lw=0.8, label=f"cone edges ({n_cones} level-4 texts)" if j == 0 and sgn == 1 else None)
        ax.set_title(f"{name} (c = {c:.2f})", fontsize=10)
    axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Poincaré-disk picture: captions by level (generic → specific) and their images", fontsize=10)
    fig.tight_layout()
    return fig


#: the sweep's panels: (column, axis label); hierarchy probes as in the main comparison
SWEEP_PANELS = (("R@5", "retrieval R@5 (mean of both directions)"),
                ("tax_rho_image", "taxonomy Spearman ρ (image prototypes)"),
                ("level_rho", "caption level vs d(O, ·), Spearman ρ"))


def curvature_figure(sweep, panels=SWEEP_PANELS):
    """Retrieval and hierarchy vs curvature c (log axis): one panel per (column, label) of ``panels``, one line per
    method, mean with error bars of ± 1 sd over the training seeds (the dots are the seeds)."""
    import matplotlib.pyplot as plt

    panels = [(c, lab) for c, lab in panels if c in sweep.columns]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    for ax, (col, label) in zip(axes[0], panels):
        for k, (m, g) in enumerate(sweep.groupby("method")):
            st = g.groupby("c")[col].agg(["mean", "std"])
            line = ax.errorbar(st.index, st["mean"], yerr=st["std"], marker="o", capsize=3,
                               label=m.upper() + " (fixed c)")
            ax.scatter(g["c"], g[col], s=8, alpha=0.4, color=line[0].get_color())
        ax.set_xscale("log"), ax.set_xlabel("curvature c"), ax.set_ylabel(label, fontsize=8)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Curvature sweep: retrieval (scored as each paper scores) and hierarchy; bars ± 1 sd over seeds",
                 fontsize=10)
    fig.tight_layout()
    return fig


def level_figure(main, methods=("meru", "atmg", "atmg_beta", "atmg_centroid")):
    """Distance to the origin of test captions by level (0 generic … 4 detailed) and of the images."""
    import matplotlib.pyplot as plt

    cols = [f"d0_level{lv}" for lv in range(5)] + ["d0_image"]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    n_seeds = 0
    for m in methods:
        g = main[main["method"] == m][cols]
        if len(g):
            n_seeds = max(n_seeds, len(g))
            ax.errorbar(range(6), g.mean(), yerr=g.std(), marker="o", capsize=3, label=m)
    ax.set_xticks(range(6), ["L0", "L1", "L2", "L3", "L4", "image"])
    ax.set_xlabel("test captions by level (0 generic … 4 detailed), then their images")
    ax.set_ylabel("mean geodesic d(O, ·) (log)"), ax.set_yscale("log"), ax.legend(fontsize=8, title="method",
                                                                                   title_fontsize=8)
    ax.set_title(f"Distance to the origin: mean over {n_seeds} seeds, bars ± 1 sd over seeds", fontsize=10)
    fig.tight_layout()
    return fig


def spread_figure(tracks: dict):
    """MERU over training: mean matched distance and image spread (mean pairwise image distance), per seed."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    for k, t in sorted(tracks.items()):
        ax.plot(t["pair_dist"], t["image_spread"], marker="o", ms=3, label=f"seed {k}")
        ax.annotate("end", (t["pair_dist"].iloc[-1], t["image_spread"].iloc[-1]), fontsize=7)
    ax.set_xlabel("mean geodesic d(text, its image)"), ax.set_ylabel("mean geodesic d(image, image)")
    ax.legend(fontsize=8, title="training seed", title_fontsize=8)
    ax.set_title("MERU training: image spread vs matched distance\n(one dot per evaluation during training)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def proposition_figure(prop1: dict, prop2: dict):
    """Left: H² (Poincaré disk) with x, its cone, the free and the in-cone optima of Prop. 1. Right: Prop. 2's
    in-cone area vs d_max, Monte Carlo and closed form (log scale)."""
    import matplotlib.pyplot as plt

    from .propositions import point_at, text_point

    s, r, c, om = prop1["s"], prop1["r"], prop1["c"], prop1["omega"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 4.2))
    _disk(a)
    a.scatter(*to_poincare(torch.zeros(1, 2), c).T, color="k", s=15, label="origin O")
    a.scatter(*to_poincare(text_point(s, c), c).T, color="C0", s=40, label="text x")
    rr = torch.linspace(0, 6, 100, dtype=torch.float64)
    for sgn in (-1, 1):
        a.plot(*to_poincare(point_at(s, rr, torch.full_like(rr, sgn * om), c), c).T, color="C0", lw=1,
               label="cone of x" if sgn == 1 else None)
    th = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    a.plot(*to_poincare(point_at(s, torch.full_like(th, r), th, c), c).T, color="0.7", lw=0.8, ls="--",
           label=f"d(x, y) = {r:g}")
    for key, col, lab in (("theta_free", "C3", "free optimum"), ("theta_cone", "C2", "in-cone optimum")):
        t = torch.as_tensor(prop1[key])
        a.scatter(*to_poincare(point_at(s, torch.full_like(t, r), t, c), c).T, color=col, s=30, label=lab)
    a.legend(fontsize=7, loc="lower left")
    a.set_title(f"Prop. 1: max Σd(yᵢ, yⱼ) at d(x, yᵢ) = {r:g}: {prop1['n_outside']} of {len(prop1['theta_free'])} outside",
                fontsize=9)
    b.semilogy(prop2["d_max"], prop2["area_exact"], color="k", label="2ω(cosh(√c d) − 1)/c")
    b.semilogy(prop2["d_max"], prop2["area_mc"], "o", color="C1", label="Monte Carlo")
    b.set_xlabel("d_max (geodesic distance from x)"), b.set_ylabel("in-cone area within d_max"), b.legend(fontsize=8)
    b.set_title(f"Prop. 2: log-area slope {prop2['slope']:.3f} (√c = {prop2['sqrt_c']:g})", fontsize=9)
    fig.tight_layout()
    return fig
