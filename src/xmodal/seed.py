"""The one seeding helper of the project.

Every pipeline calls :func:`seed_everything` once, then passes randomness explicitly as a
``np.random.Generator`` / ``torch.Generator`` made by :func:`make_rng` / :func:`make_torch_generator`,
so that a sub-step's randomness does not depend on how much randomness earlier steps consumed.
"""
from __future__ import annotations

import hashlib
import os
import random
from contextlib import contextmanager

import numpy as np

__all__ = ["seed_everything", "derive_seed", "make_rng", "make_torch_generator", "seeded_init"]


def derive_seed(seed: int, *keys: object) -> int:
    """A 63-bit seed derived from ``seed`` and any keys (strings, ints), stable across processes.

    Uses SHA-256 of the repr of the keys, never Python's salted ``hash``.
    """
    h = hashlib.sha256(repr((int(seed),) + tuple(keys)).encode("utf8")).digest()
    return int.from_bytes(h[:8], "little") & ((1 << 63) - 1)


def make_rng(seed: int, *keys: object) -> np.random.Generator:
    """A NumPy generator for the sub-step named by ``keys`` under the global ``seed``."""
    return np.random.default_rng(derive_seed(seed, *keys))


def make_torch_generator(seed: int, *keys: object):
    """A CPU ``torch.Generator`` for the sub-step named by ``keys`` under the global ``seed``."""
    import torch

    g = torch.Generator()
    g.manual_seed(derive_seed(seed, *keys))
    return g


@contextmanager
def seeded_init(seed: int, *keys: object):
    """A block (e.g. building a model) whose draws from torch's global RNG depend only on (seed, keys).

    The global RNG is forked (CPU only) and restored afterwards, so initialising a model neither depends
    on nor disturbs the randomness of anything else: ``with seeded_init(seed, "pretrain3d", arch):
    model = build(...)``.
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, *keys))
        yield


def seed_everything(seed: int, deterministic: bool = True) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy generator for the caller.

    With ``deterministic`` torch uses deterministic algorithms where it has them (warn-only), so
    the same scale and seed give the same numbers on the same machine.
    """
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency, kept soft for tooling
        torch = None
    if torch is not None:
        torch.manual_seed(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
    return make_rng(seed, "seed_everything")
