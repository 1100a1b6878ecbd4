"""Paper 03, Table I analogue: renders per second of the project renderer and Mitsuba 3's variants.

Every backend renders the same clouds (spheres of the same radius), at the same resolution, from the same
camera (ring12 view 0); Mitsuba with ``spp`` samples per pixel (the numpy backend rasterises one sample per
pixel). One untimed warm-up render per backend first (Mitsuba's LLVM variant compiles its kernels then), then
one timed pass over the clouds. ``llvm_ad_rgb`` needs a libLLVM-19 (``DRJIT_LIBLLVM_PATH``;
:func:`xmodal.world.render.find_libllvm` points it at a system ``libLLVM-19.so`` when one is installed and the
variable is unset, and the renderer refuses the variant without one); a variant that cannot start is a row
"not available" with the reason.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ...world.render import find_libllvm  # re-exported: it lived here before
from .pipeline import fit_to_sphere

__all__ = ["find_libllvm", "backends", "renderer_table", "comparison_images"]


def _reason(exc: Exception) -> str:
    """The short reason of a backend that cannot start (the part after "not available here", before any ';')."""
    msg = str(exc).split(";")[0]
    return (msg.split("not available here", 1)[-1].lstrip(": ") or msg)[:160]


def backends(variants=("scalar_rgb", "llvm_ad_rgb")) -> list[tuple[str, str]]:
    """(backend, variant) rows of the table: the project renderer first, then the Mitsuba variants."""
    return [("numpy", "project renderer")] + [("mitsuba", v) for v in variants]


def _render(p, backend, variant, res, spp, radius):
    from ...world import render

    kw = dict(resolution=res, views=[0], point_radius=radius)
    if backend == "mitsuba":
        kw.update(backend="mitsuba", mitsuba_variant=variant, spp=spp)
    return render(fit_to_sphere(p), **kw).rgb[0]


def renderer_table(clouds, resolution: int, spp: int, variants=("scalar_rgb", "llvm_ad_rgb"),
                   radius: float = 0.02) -> tuple[pd.DataFrame, dict]:
    """Time every backend on ``clouds`` (a list of (M, 3)); returns (table, {label: first cloud's image}).

    Table columns: backend, variant, spp, clouds, points, seconds, renders/s, points/s, status."""
    rows, images = [], {}
    n_points = int(sum(len(p) for p in clouds))
    for backend, variant in backends(variants):
        label = variant if backend == "mitsuba" else "project (numpy)"
        row = {"backend": backend, "variant": variant, "spp": spp if backend == "mitsuba" else 1,
               "clouds": len(clouds), "points": n_points, "resolution": resolution}
        try:
            images[label] = _render(clouds[0], backend, variant, resolution, spp, radius)  # warm-up, untimed
            t0 = time.perf_counter()
            for p in clouds:
                _render(p, backend, variant, resolution, spp, radius)
            sec = time.perf_counter() - t0
            row.update(seconds=sec, **{"renders/s": len(clouds) / sec, "points/s": n_points / sec}, status="measured")
        except (ImportError, RuntimeError) as e:
            row.update(seconds=np.nan, **{"renders/s": np.nan, "points/s": np.nan},
                       status=f"not available ({_reason(e)})")
        rows.append(row)
    return pd.DataFrame(rows), images


def comparison_images(images: dict):
    """A figure: the same cloud rendered by each backend (``images`` from :func:`renderer_table`)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.6 * len(images), 2.9))
    axes = fig.subplots(1, len(images), squeeze=False)[0]
    for ax, (k, im) in zip(axes, images.items()):
        ax.imshow(im)
        ax.set_title(k, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig
