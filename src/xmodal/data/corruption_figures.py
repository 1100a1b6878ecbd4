"""Figures of the ModelNet40-C corruptions (:mod:`xmodal.data.corruptions`)."""
from __future__ import annotations

import numpy as np

from .corruptions import CORRUPTIONS, DENSITY_INC_POINTS, DENSITY_INC_SOURCE, corrupt

__all__ = ["corruption_gallery"]


def _sources(points, mesh, rng):
    """``(cloud (1024, 3), source (2048, 3))``: the 1024-point cloud every corruption but density_inc gets, a
    random subset of the 2048-point source density_inc gets (drawn from ``mesh`` if ``points`` has fewer)."""
    p = np.asarray(points, np.float64)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"points must be (N, 3), got shape {p.shape}")
    if len(p) >= DENSITY_INC_SOURCE:
        src = p[rng.choice(len(p), DENSITY_INC_SOURCE, replace=False)]
    elif mesh is not None:
        import trimesh

        src = trimesh.sample.sample_surface(mesh, DENSITY_INC_SOURCE, seed=int(rng.integers(2**31)))[0]
    else:
        raise ValueError(f"the gallery needs {DENSITY_INC_SOURCE} points (the density_inc source) or a mesh to "
                         f"sample them from; got {len(p)} points and no mesh")
    cloud = p if len(p) <= DENSITY_INC_POINTS else src[rng.choice(len(src), DENSITY_INC_POINTS, replace=False)]
    return cloud, src


def _project(points, view) -> np.ndarray:
    """``(M, 3)`` → ``(M, 2)``: orthographic view from azimuth ``view[0]``° about ``+y`` and elevation ``view[1]``°
    (``(0, 0)``: the front view, x right, y up)."""
    a, e = np.radians(view)
    x, y, z = np.asarray(points, np.float64).T
    depth = x * np.sin(a) + z * np.cos(a)
    return np.stack([x * np.cos(a) - z * np.sin(a), y * np.cos(e) - depth * np.sin(e)], axis=1)


def corruption_gallery(points, mesh, rng: np.random.Generator, severities=(1, 3, 5), marker_size: float = 0.4,
                       view=(35.0, 20.0)):
    """One object under every corruption: a ``matplotlib.figure.Figure`` of 15 rows × ``len(severities)`` columns.

    points: ``(N, 3)`` surface points of the object (``N ≥ 2048``, or a ``mesh`` to draw the density_inc source
    from); mesh: ``trimesh.Trimesh`` of the object (occlusion, lidar); rng: all randomness. Each panel is the
    corrupted cloud in an orthographic projection (:func:`_project`, ``view`` = azimuth, elevation in degrees),
    small markers, equal aspect, ticks off, its point count in the corner; rows are labelled with the corruption,
    columns with the severity.
    """
    from matplotlib.figure import Figure

    cloud, src = _sources(points, mesh, rng)
    sev = tuple(severities)
    fig = Figure(figsize=(1.5 * len(sev) + 1.0, 1.5 * len(CORRUPTIONS)))
    axes = fig.subplots(len(CORRUPTIONS), len(sev), squeeze=False)
    for r, name in enumerate(CORRUPTIONS):
        for c, s in enumerate(sev):
            out = corrupt(src if name == "density_inc" else cloud, name, s, rng, mesh=mesh)
            ax = axes[r, c]
            uv = _project(out, view)
            ax.scatter(uv[:, 0], uv[:, 1], s=marker_size, c="k", linewidths=0, rasterized=True)
            ax.text(0.97, 0.03, str(len(out)), transform=ax.transAxes, ha="right", va="bottom", fontsize=5)
            ax.set_aspect("equal")
            ax.set_xlim(-1.5, 1.5)
            ax.set_ylim(-1.5, 1.5)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"severity {s}", fontsize=8)
            if c == 0:
                ax.set_ylabel(name, fontsize=7)
    fig.tight_layout(pad=0.3)
    return fig
