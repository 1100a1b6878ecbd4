"""Packed token sets: variable-length token sequences stored without padding.

A batch of n sequences of ``dim``-dimensional tokens is stored as ``flat`` (Σ lengths, dim) rows and
``offsets`` (n + 1,) int64, sequence t owning rows ``offsets[t]:offsets[t + 1]``. :func:`pack_tokens`
builds that layout from a tokenizer's padded output; :func:`gather_packed` pads a subset back into a
(B, L_b, dim) batch with a (B, L_b) validity mask, L_b the longest sequence of the subset.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["pack_tokens", "gather_packed"]


def pack_tokens(tokens: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Padded tokens (n, L, dim) + bool mask (n, L) → packed (Σ valid, dim) float32 rows and (n + 1,) int64 offsets.

    Valid tokens must come first in each row (tokenizers pad on the right); ``ValueError`` otherwise.
    """
    tokens, mask = np.asarray(tokens), np.asarray(mask, bool)
    if tokens.ndim != 3 or mask.shape != tokens.shape[:2]:
        raise ValueError(f"need tokens (n, L, dim) and mask (n, L), got {tokens.shape} and {mask.shape}")
    lengths = mask.sum(1)
    if not (mask == (np.arange(mask.shape[1])[None, :] < lengths[:, None])).all():
        raise ValueError("mask must be left-aligned: the valid tokens of a row first, then padding")
    return tokens[mask].astype(np.float32), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def gather_packed(flat: torch.Tensor, offsets: torch.Tensor, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences ``ids`` (B,) of a packed store → tokens (B, L_b, dim) and bool mask (B, L_b).

    flat: (Σ lengths, dim); offsets: (n + 1,) int64 on the same device; L_b = the longest selected
    sequence. Padding positions repeat the sequence's last valid token (finite values) and are False in
    the mask; every sequence needs at least one token.
    """
    ids = torch.as_tensor(ids, dtype=torch.long, device=offsets.device)
    if ids.ndim != 1 or len(ids) == 0:
        raise ValueError(f"ids must be a non-empty 1-D index tensor, got shape {tuple(ids.shape)}")
    start = offsets[ids]
    length = offsets[ids + 1] - start
    if bool((length < 1).any()):
        raise ValueError("every selected sequence needs at least one token")
    j = torch.arange(int(length.max()), device=offsets.device)
    mask = j[None, :] < length[:, None]
    idx = start[:, None] + torch.minimum(j[None, :], length[:, None] - 1)
    return flat[idx], mask
