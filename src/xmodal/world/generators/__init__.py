"""Parametric generators of the 40 categories, split by family; importing this package registers all."""
from . import containers, devices, furniture, misc  # noqa: F401  (registration side effect)
from ._base import REGISTRY, Generator, Parts

__all__ = ["REGISTRY", "Generator", "Parts"]
