"""Figures of notebook 00: the gallery, the taxonomy tree and nearest neighbours per space."""
from __future__ import annotations

import numpy as np

__all__ = ["gallery_figure", "taxonomy_figure", "neighbour_figure"]


def _first_of_each(ds) -> list[int]:
    return [int(np.flatnonzero(ds.labels == c)[0]) for c in range(len(ds.categories))]


def gallery_figure(ds, cols: int = 8):
    """All categories: the first instance's render next to a splat render of its point cloud."""
    import matplotlib.pyplot as plt

    from ...world import render

    idx = _first_of_each(ds)
    rows = int(np.ceil(len(idx) / (cols // 2)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.35, rows * 1.5))
    for k, i in enumerate(idx):
        r, c = divmod(k, cols // 2)
        pts = render((ds.points[i], ds.normals[i]), layout="ring12", resolution=ds.images.shape[2], views=[0],
                     colors=(0.35, 0.45, 0.75))
        for j, img in enumerate((ds.images[i, 0], pts.rgb[0])):
            ax = axes[r, 2 * c + j]
            ax.imshow(img)
            ax.set_xticks([]), ax.set_yticks([])
            if j == 0:
                ax.set_title(ds.categories[ds.labels[i]], fontsize=8, loc="left")
    for ax in axes.ravel()[2 * len(idx):]:
        ax.axis("off")
    fig.suptitle("The 40 categories: mesh render (left) and point-cloud splats (right)", y=1.0)
    fig.tight_layout()
    return fig


def taxonomy_figure():
    """The WordNet hypernym tree of the 40 categories (root on the left, categories on the right)."""
    import matplotlib.pyplot as plt

    from ...world import CATEGORIES

    children: dict[str, list[str]] = {}
    root = None
    for c in CATEGORIES:
        path = list(c.taxonomy)
        root = root or path[0]
        for a, b in zip(path[:-1], path[1:]):
            children.setdefault(a, [])
            if b not in children[a]:
                children[a].append(b)
    pos: dict[str, tuple[float, float]] = {}
    leaf = [0]

    def place(node, depth):
        kids = children.get(node, [])
        if not kids:
            pos[node] = (depth, leaf[0])
            leaf[0] += 1
        else:
            ys = [place(k, depth + 1) for k in kids]
            pos[node] = (depth, float(np.mean(ys)))
        return pos[node][1]

    place(root, 0)
    depth = max(x for x, _ in pos.values())
    fig, ax = plt.subplots(figsize=(1.0 * depth + 2, 0.22 * leaf[0] + 1))
    for a, ks in children.items():
        for b in ks:
            (x0, y0), (x1, y1) = pos[a], pos[b]
            ax.plot([x0, x0 + 0.5, x0 + 0.5, x1], [y0, y0, y1, y1], color="0.6", lw=0.8)
    names = {c.name for c in CATEGORIES}
    for n, (x, y) in pos.items():
        ax.text(x, y, n.replace("_", " "), fontsize=8, va="center", ha="left" if n in names else "right",
                color="C0" if n in names else "0.2", bbox=dict(fc="white", ec="none", pad=0.5))
    ax.set_xlim(-1.5, depth + 1.5)
    ax.invert_yaxis()
    ax.axis("off")
    ax.set_title("WordNet 3.0 hypernym paths of the 40 categories")
    return fig


def neighbour_figure(ds, feats: dict[str, np.ndarray], n_queries: int = 3, k: int = 5, seed: int = 0):
    """For a few test queries, the k nearest test neighbours in each feature space (renders shown)."""
    import matplotlib.pyplot as plt

    from ...align import cosine_scores

    te = np.flatnonzero(ds.mask("test"))
    rng = np.random.default_rng(seed)
    queries = rng.choice(te, size=n_queries, replace=False)
    spaces = [s for s in feats if not s.startswith("points")]
    fig, axes = plt.subplots(n_queries * len(spaces), k + 1, figsize=(1.3 * (k + 1), 1.4 * n_queries * len(spaces)))
    for qi, q in enumerate(queries):
        for si, s in enumerate(spaces):
            F = feats[s]
            sc = cosine_scores(F[[q]], F[te])[0]
            sc[te == q] = -np.inf
            nn = te[np.argsort(-sc, kind="stable")[:k]]
            row = axes[qi * len(spaces) + si]
            for j, i in enumerate([q, *nn]):
                row[j].imshow(ds.images[i, 0])
                row[j].set_xticks([]), row[j].set_yticks([])
                same = ds.labels[i] == ds.labels[q]
                row[j].set_title(ds.categories[ds.labels[i]], fontsize=6, color="k" if j == 0 else ("g" if same else "r"))
            row[0].set_ylabel(s.split(" (")[0] + "\n" + s.split("(")[1].rstrip(")"), fontsize=6)
    fig.suptitle("Query (left) and its nearest neighbours per space (green: same category)", fontsize=9)
    fig.tight_layout()
    return fig
