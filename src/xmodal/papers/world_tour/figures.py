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


def _compress_chains(children: dict[str, list[str]], root: str, keep: set[str]):
    """Merge every run of single-child nodes (not in ``keep``) into one node labelled "first › … › last", so
    the tree shows branch points and the ends of the paths. Returns (children, root, labels) of the new tree."""
    new_children: dict[str, list[str]] = {}
    labels: dict[str, str] = {}

    def walk(node: str) -> str:
        chain = [node]
        while node not in keep and len(children.get(node, [])) == 1:
            node = children[node][0]
            chain.append(node)
        names = [c.replace("_", " ") for c in chain]
        labels[node] = " › ".join(names) if len(names) <= 2 else f"{names[0]} › … › {names[-1]}"
        new_children[node] = [walk(k) for k in children.get(node, [])]
        return node

    return new_children, walk(root), labels


def taxonomy_figure():
    """The WordNet hypernym tree of the 40 categories (root on the left, categories in blue on the right).

    Runs of single-child hypernyms are merged into one label ("first › … › last"), and each column is as wide
    as its longest label, so no two labels overlap."""
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
    names = {c.name for c in CATEGORIES}
    children, root, labels = _compress_chains(children, root, keep=names)
    depth_of: dict[str, int] = {}
    pos_y: dict[str, float] = {}
    leaf = [0]

    def place(node, depth):
        depth_of[node] = depth
        kids = children.get(node, [])
        if not kids:
            pos_y[node] = leaf[0]
            leaf[0] += 1
        else:
            pos_y[node] = float(np.mean([place(k, depth + 1) for k in kids]))
        return pos_y[node]

    place(root, 0)
    n_depth = max(depth_of.values()) + 1
    # x in character units: internal labels end at their node, categories start at theirs
    width = [0] * n_depth
    for n, d in depth_of.items():
        width[d] = max(width[d], len(labels[n]) if children.get(n) else 0)
    x_of = np.cumsum([w + 4 for w in width])
    leaf_w = max(len(labels[n]) for n in names if n in labels)
    total = float(x_of[-1] + leaf_w + 2)
    fig, ax = plt.subplots(figsize=(0.072 * total + 0.5, 0.2 * leaf[0] + 0.8))
    for a, ks in children.items():
        for b in ks:
            xa, xb = x_of[depth_of[a]], x_of[depth_of[b]]
            xm = xa + 1.5
            ax.plot([xa, xm, xm, xb],
                    [pos_y[a], pos_y[a], pos_y[b], pos_y[b]], color="0.65", lw=0.8)
    for n, d in depth_of.items():
        leafy = not children.get(n)
        ax.text(x_of[d] + (0.3 if leafy else 0), pos_y[n], labels[n], fontsize=8, va="center",
                ha="left" if leafy else "right", color="C0" if n in names else "0.15",
                bbox=None if leafy else dict(fc="white", ec="none", pad=0.6))
    ax.set_xlim(x_of[0] - width[0] - 1, total)
    ax.set_ylim(leaf[0] - 0.5, -0.5)
    ax.axis("off")
    ax.set_title("WordNet 3.0 hypernym paths of the 40 categories (single-child runs merged: a › … › b)", fontsize=10)
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


def projection_figure(shape, n_points: int = 512, resolution: int = 128, view: int = 0, seed: int = 0):
    """The depth test at work: one render of ``shape`` with its sampled surface points projected into it,
    visible points (in front of the rendered depth) as dots, occluded ones as crosses, side by side."""
    import matplotlib.pyplot as plt

    from ...world import project, render

    r = render(shape.mesh, layout="ring12", resolution=resolution, views=[view])
    p, _ = shape.sample_points(n_points, seed=seed)
    uv, vis = project(p, r.view, r.proj, resolution, depth=r.depth)
    uv, vis = uv[0], vis[0]
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.9))
    for ax, keep, title, kw in ((axes[0], vis, f"visible: {int(vis.sum())} points", dict(s=6, c="C2", marker="o")),
                                (axes[1], ~vis, f"occluded: {int((~vis).sum())} points", dict(s=10, c="C3", marker="x"))):
        ax.imshow(r.rgb[0])
        ax.scatter(uv[keep, 0], uv[keep, 1], lw=0.8, **kw)
        ax.set_title(title, fontsize=9), ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    fig.suptitle(f"project() with the render's depth: {n_points} surface points of a {shape.category}, "
                 f"{resolution} px", fontsize=10)
    fig.tight_layout()
    return fig

