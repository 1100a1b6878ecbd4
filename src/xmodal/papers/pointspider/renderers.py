"""Paper 03, Table I analogue: renders per second of the project renderer and Mitsuba 3's variants.

Every backend renders the same clouds (spheres of the same radius), at the same resolution, from the same
camera (ring12 view 0); Mitsuba with ``spp`` samples per pixel (the numpy backend rasterises one sample per
pixel). One untimed warm-up render per backend first (Mitsuba's LLVM variant compiles its kernels then), then
one timed pass over the clouds. ``llvm_ad_rgb`` needs libLLVM ≥ 15 (``DRJIT_LIBLLVM_PATH``; this module points
it at a system ``libLLVM-19.so`` when one is installed and the variable is unset); a variant that cannot start
is a row "not available" with the reason.
"""
from __future__ import annotations

import glob
import os
import time

import numpy as np
import pandas as pd

from .pipeline import fit_to_sphere

__all__ = ["find_libllvm", "backends", "renderer_table", "comparison_images"]

_LLVM_GLOBS = ("/usr/lib/x86_64-linux-gnu/libLLVM-19.so*", "/usr/lib/llvm-19/lib/libLLVM*.so*",
               "/usr/lib/aarch64-linux-gnu/libLLVM-19.so*")


def find_libllvm() -> str | None:
    """``$DRJIT_LIBLLVM_PATH`` if set, else the first system ``libLLVM-19.so`` found (and set it), else None."""
    if os.environ.get("DRJIT_LIBLLVM_PATH"):
        return os.environ["DRJIT_LIBLLVM_PATH"]
    for pattern in _LLVM_GLOBS:
        hits = sorted(glob.glob(pattern))
        if hits:
            os.environ["DRJIT_LIBLLVM_PATH"] = hits[0]
            return hits[0]
    return None


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
    llvm = find_libllvm()
    rows, images = [], {}
    n_points = int(sum(len(p) for p in clouds))
    for backend, variant in backends(variants):
        label = variant if backend == "mitsuba" else "project (numpy)"
        row = {"backend": backend, "variant": variant, "spp": spp if backend == "mitsuba" else 1,
               "clouds": len(clouds), "points": n_points, "resolution": resolution}
        if backend == "mitsuba" and variant.startswith("llvm") and llvm is None:
            # without DRJIT_LIBLLVM_PATH drjit loads the system's default libLLVM, and an old one (e.g. 15)
            # aborts the whole process inside LLVM ("Cannot select fminimum") instead of raising: never try it
            row.update(seconds=np.nan, **{"renders/s": np.nan, "points/s": np.nan},
                       status="not available (no libLLVM-19 found: apt-get install libllvm19, or set DRJIT_LIBLLVM_PATH)")
            rows.append(row)
            continue
        try:
            images[label] = _render(clouds[0], backend, variant, resolution, spp, radius)  # warm-up, untimed
            t0 = time.perf_counter()
            for p in clouds:
                _render(p, backend, variant, resolution, spp, radius)
            sec = time.perf_counter() - t0
            row.update(seconds=sec, **{"renders/s": len(clouds) / sec, "points/s": n_points / sec}, status="measured")
        except (ImportError, RuntimeError) as e:
            row.update(seconds=np.nan, **{"renders/s": np.nan, "points/s": np.nan},
                       status=f"not available ({str(e).split(';')[0][:120]})")
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
