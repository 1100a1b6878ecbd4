"""Figures of notebook 05: what the local loss aligns, SVM accuracy per ablation, PCA of global features."""
from __future__ import annotations

import numpy as np

__all__ = ["correspondence_figure", "ablation_figure", "pca_figure"]


def _pca(X: np.ndarray, k: int) -> np.ndarray:
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc @ vt[:k].T


def correspondence_figure(bank, item: int = 0, views=(0, 1)):
    """Views of one training shape with their visible points coloured by the pixel feature each is paired
    with (3-D PCA of the sampled stride-8 features → RGB, shared across the views); occluded points grey."""
    import matplotlib.pyplot as plt
    import torch

    from .correspondence import sample_pixel_features

    res = bank["rgb"].shape[2]
    views = [v for v in views if v < bank["rgb"].shape[1]]
    fmap = torch.from_numpy(bank["fmap"][item, views].astype(np.float32))
    uv = bank["uv"][item, views]
    vis = bank["visible"][item, views]
    feats = sample_pixel_features(fmap, torch.from_numpy(uv), res).numpy()
    pcs = _pca(feats[vis], 3)
    col = (pcs - pcs.min(0)) / np.maximum(np.ptp(pcs, 0), 1e-9)
    fig, axes = plt.subplots(1, 2 * len(views), figsize=(3.2 * 2 * len(views), 3.3))
    start = 0
    for k, v in enumerate(views):
        a, b = axes[2 * k], axes[2 * k + 1]
        a.imshow(bank["rgb"][item, v])
        a.set_title(f"render, view {v}", fontsize=9)
        b.imshow(np.full((res, res, 3), 255, np.uint8))
        b.scatter(*uv[k][~vis[k]].T, s=3, c="0.8", label="occluded: never paired")
        n = int(vis[k].sum())
        b.scatter(*uv[k][vis[k]].T, s=6, c=col[start: start + n])
        start += n
        b.set_title(f"view {v}: {n} visible points, coloured by matched feature", fontsize=8)
        b.legend(loc="lower left", fontsize=6, frameon=False)
        for ax in (a, b):
            ax.set_xlim(0, res), ax.set_ylim(res, 0), ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle(f"Point–pixel pairs of one training shape ({res} px renders): colour = 3-D PCA of the stride-8 "
                 "feature each visible point is paired with (shared across views)", fontsize=9)
    fig.tight_layout()
    return fig


def ablation_figure(summary):
    """Linear-SVM accuracy per ablation variant on the clean and the scan-like test sets, mean and 95 % seed
    interval (``summary``: :func:`.pipeline.summary_table`)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=False)
    y = np.arange(len(summary))
    for ax, col, title in ((axes[0], "clean_acc", "clean test (ModelNet40 role)"),
                           (axes[1], "scan_acc", "scan-like test (ScanObjectNN role)")):
        m = summary[col].to_numpy()
        err = np.stack([m - summary[f"{col}_lo"].to_numpy(), summary[f"{col}_hi"].to_numpy() - m])
        ax.barh(y, m, xerr=err, color=[f"C{i}" for i in range(len(m))], capsize=3)
        ax.set_yticks(y, summary["variant"] if ax is axes[0] else [""] * len(y))
        ax.set_xlabel("linear-SVM test accuracy (fraction)")
        ax.set_title(title, fontsize=10)
        ax.invert_yaxis()
    fig.suptitle(f"Ablations, same budget: bar = mean over {int(summary['seeds'].min())} pre-training seeds, "
                 "whiskers = 95 % t-interval of that mean", fontsize=10)
    fig.tight_layout()
    return fig


def pca_figure(features: dict, labels: np.ndarray, mask: np.ndarray, categories, n_classes: int = 10):
    """2-D PCA of global features (``features``: name → (N, G)) of the shapes in ``mask``, first
    ``n_classes`` categories, one colour per class."""
    import matplotlib.pyplot as plt

    keep = mask & (labels < n_classes)
    fig, axes = plt.subplots(1, len(features), figsize=(4.2 * len(features), 4))
    axes = np.atleast_1d(axes)
    for ax, (name, F) in zip(axes, features.items()):
        Z = _pca(F[keep].astype(np.float64), 2)
        for c in range(n_classes):
            m = labels[keep] == c
            ax.scatter(*Z[m].T, s=10, color=plt.cm.tab10(c), label=categories[c])
        ax.set_title(name, fontsize=10)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_xlabel("PC 1"), ax.set_ylabel("PC 2")
    axes[-1].legend(fontsize=6, loc="center left", bbox_to_anchor=(1, 0.5), frameon=False, title="class",
                    title_fontsize=7)
    fig.suptitle(f"Global features of the test shapes of the first {n_classes} classes, 2-D PCA (one PCA per panel)",
                 fontsize=10)
    fig.tight_layout()
    return fig
