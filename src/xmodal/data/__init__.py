"""Datasets with one structure: the embedded procedural world and the real ModelNet40 releases."""
from .modelnet40 import DataMissingError, modelnet40
from .modelnet40c import modelnet40c
from .validate import DataCorruptError, check_finite_points
from .world import SPLITS, WorldDataset, world_dataset

__all__ = ["world_dataset", "WorldDataset", "SPLITS", "modelnet40", "DataMissingError", "DataCorruptError",
           "check_finite_points", "load_dataset", "modelnet40c"]


def load_dataset(data: str, scale: str, seed: int = 0, root=None, n_points: int | None = None):
    """``data="world"`` → :func:`world_dataset`; ``data="modelnet40"`` → :func:`modelnet40` (train+test)."""
    if data == "world":
        return world_dataset(scale, seed=seed)
    if data == "modelnet40":
        from ..config import get_scale

        return modelnet40(root, split="all", n_points=n_points or get_scale(scale).n_points)
    raise ValueError(f"unknown data {data!r}; valid: 'world', 'modelnet40'")
