"""Scales: one name picks every size of a run (``ci`` for tests, ``default`` for the committed
reports, ``full`` for a GPU). Paper pipelines read their own sizes from ``get_scale(name)``.
"""
from __future__ import annotations

import numbers
import os
import warnings
from dataclasses import dataclass, replace

__all__ = ["Scale", "SCALES", "get_scale", "scale_from_env", "check_parameters", "ScaleWarning"]


@dataclass(frozen=True)
class Scale:
    """Sizes shared by every notebook at one scale.

    ``per_category``: world instances per category (train+val+test); ``n_points``: points per cloud;
    ``resolution``: render size in pixels; ``views``: number of ring12 views kept per instance for
    image features; ``seeds``: training/evaluation seeds for mean ± interval; ``threads``: CPU threads
    (torch and BLAS, 0 = the machine's defaults) and ``device`` (``"cpu"`` or ``"auto"``: CUDA when
    present) — the runtime policy :func:`xmodal.runtime.use` applies (``$XMODAL_THREADS`` and
    ``$XMODAL_DEVICE`` override them).
    """

    name: str
    per_category: int
    n_points: int
    resolution: int
    views: int
    seeds: tuple[int, ...]
    threads: int = 1
    device: str = "cpu"

    def with_(self, **kw) -> "Scale":
        return replace(self, **kw)


SCALES: dict[str, Scale] = {
    "ci": Scale("ci", per_category=12, n_points=512, resolution=64, views=1, seeds=(0, 1)),
    "default": Scale("default", per_category=150, n_points=1024, resolution=64, views=2, seeds=(0, 1, 2)),
    "full": Scale("full", per_category=1000, n_points=2048, resolution=128, views=4, seeds=(0, 1, 2),
                  threads=0, device="auto"),
}


def get_scale(name: str) -> Scale:
    """The :class:`Scale` called ``name``; ``ValueError`` listing the valid names otherwise."""
    if not isinstance(name, str) or name not in SCALES:
        raise ValueError(f"unknown scale {name!r}; valid scales are {', '.join(SCALES)}")
    return SCALES[name]


def scale_from_env(default: str = "default") -> str:
    """The scale named by ``$XMODAL_SCALE`` (validated), else ``default``.

    Unset, empty or blank ``XMODAL_SCALE`` all mean ``default`` — the same rule as the Makefile's
    ``$${XMODAL_SCALE:-default}`` — so ``make``, a script and a notebook agree. Surrounding spaces are ignored.
    A bad value raises ``ValueError`` naming ``XMODAL_SCALE`` and the valid names.
    """
    raw = os.environ.get("XMODAL_SCALE")
    name = raw.strip() if raw is not None else ""
    if not name:
        name = default
    try:
        get_scale(name)
    except ValueError as e:
        if not name or raw is None or not raw.strip():  # the fallback itself is bad: a caller's error
            raise
        raise ValueError(f"XMODAL_SCALE={raw!r} is not a scale: {e}. Set XMODAL_SCALE to one of "
                         f"{', '.join(SCALES)} (or leave it unset/empty for {default!r})") from None
    return name


class ScaleWarning(UserWarning):
    """A scale that will run far slower than meant here (``full`` without CUDA)."""


def check_parameters(scale, seed) -> None:
    """Check a notebook's ``scale`` and ``seed`` parameters (papermill's ``-p``) before any work.

    ``scale`` must name a scale (``ValueError`` listing them). ``seed`` must be a whole number: ``TypeError``
    for a float (``1.5`` would silently become 1), a bool (``True`` would become 1) or a string. A scale whose
    device is ``auto`` (``full``) on a machine without CUDA warns (:class:`ScaleWarning`) that it runs on the
    CPU, unless ``$XMODAL_DEVICE`` is set to ``cpu`` to say that is meant.
    """
    sc = get_scale(scale)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"parameter seed must be a whole number (int), got {seed!r} ({type(seed).__name__}); "
                        "give an int, e.g. run_notebooks.py -p seed=1 or papermill -p seed 1")
    if sc.device == "auto" and (os.environ.get("XMODAL_DEVICE") or "auto").strip().lower() == "auto":
        import torch

        if not torch.cuda.is_available():
            warnings.warn(f"scale {sc.name!r} is meant for a CUDA GPU ({sc.per_category} shapes per category, "
                          f"{sc.n_points} points, {sc.resolution} px renders) but CUDA is not available here: it "
                          "will run on the CPU for hours. Set XMODAL_DEVICE=cpu if that is what you want, or use "
                          "scale ci / default on this machine.", ScaleWarning, stacklevel=2)
