"""Settings of notebook 00 with their per-scale presets."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...config import get_scale

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """``caption_examples`` instances in the caption table, ``throughput_shapes`` shapes timed live,
    ``neighbours_k`` neighbours per query."""

    scale: str
    seed: int = 0
    caption_examples: int = 4
    throughput_shapes: int = 40
    neighbours_k: int = 5

    @classmethod
    def for_scale(cls, scale: str, seed: int = 0) -> "Settings":
        get_scale(scale)
        return replace(cls(scale=scale, seed=int(seed)), **_PRESETS.get(scale, {}))


_PRESETS = {"ci": {}, "default": {"throughput_shapes": 120}, "full": {"throughput_shapes": 120}}
