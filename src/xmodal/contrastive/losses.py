"""Contrastive losses.

Symmetric InfoNCE (CLIP's loss; paper 02, "Theory"): for a batch of B pairs with logits
``L[i, j] = s * g(x_i, y_j)`` (already multiplied by the scale / divided by the temperature),

    loss = -(1 / 2B) * sum_i [ log softmax_j(L[i, :])_i + log softmax_j(L[:, i])_i ],

i.e. the mean of the row-wise (x -> y) and the column-wise (y -> x) cross-entropies with the
positives on the diagonal.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["info_nce"]


def info_nce(logits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE of a square logit matrix.

    logits: (B, B) float, ``logits[i, j]`` scores x_i against y_j; pair i is the positive of row i and
    of column i. Returns a scalar tensor: the mean of the two cross-entropy directions (each already
    averaged over the B rows / columns). Differentiable.
    """
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits must be a torch.Tensor, got {type(logits).__name__}")
    if logits.ndim != 2 or logits.shape[0] != logits.shape[1]:
        raise ValueError(f"logits must be a square (B, B) matrix, got shape {tuple(logits.shape)}")
    if logits.shape[0] == 0:
        raise ValueError("logits is empty: need a batch of at least one pair")
    if not torch.is_floating_point(logits):
        raise TypeError(f"logits must be floating point, got {logits.dtype}")
    target = torch.arange(logits.shape[0], device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
