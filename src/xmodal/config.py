"""Scales: one name picks every size of a run (``ci`` for tests, ``default`` for the committed
reports, ``full`` for a GPU). Paper pipelines read their own sizes from ``get_scale(name)``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

__all__ = ["Scale", "SCALES", "get_scale", "scale_from_env"]


@dataclass(frozen=True)
class Scale:
    """Sizes shared by every notebook at one scale.

    ``per_category``: world instances per category (train+val+test); ``n_points``: points per cloud;
    ``resolution``: render size in pixels; ``views``: number of ring12 views kept per instance for
    image features; ``seeds``: training/evaluation seeds for mean ± std; ``epochs``: a multiplier for
    training lengths of the paper pipelines.
    """

    name: str
    per_category: int
    n_points: int
    resolution: int
    views: int
    seeds: tuple[int, ...]
    epochs: float
    extra: dict = field(default_factory=dict)

    def with_(self, **kw) -> "Scale":
        return replace(self, **kw)


SCALES: dict[str, Scale] = {
    "ci": Scale("ci", per_category=12, n_points=512, resolution=64, views=1, seeds=(0, 1), epochs=0.15),
    "default": Scale("default", per_category=150, n_points=1024, resolution=64, views=2, seeds=(0, 1, 2), epochs=1.0),
    "full": Scale("full", per_category=1000, n_points=2048, resolution=128, views=4, seeds=(0, 1, 2), epochs=4.0),
}


def get_scale(name: str) -> Scale:
    """The :class:`Scale` called ``name``; ``ValueError`` listing the valid names otherwise."""
    if not isinstance(name, str) or name not in SCALES:
        raise ValueError(f"unknown scale {name!r}; valid scales are {', '.join(SCALES)}")
    return SCALES[name]


def scale_from_env(default: str = "default") -> str:
    """The scale named by ``$XMODAL_SCALE`` (validated), else ``default``."""
    name = os.environ.get("XMODAL_SCALE", default)
    get_scale(name)
    return name
