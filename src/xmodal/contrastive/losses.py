"""Contrastive losses: symmetric InfoNCE and NT-Xent.

Symmetric InfoNCE (CLIP's loss; paper 02, "Theory"): for a batch of B pairs with logits
``L[i, j] = s * g(x_i, y_j)`` (already multiplied by the scale / divided by the temperature),

    loss = -(1 / 2B) * sum_i [ log softmax_j(L[i, :])_i + log softmax_j(L[:, i])_i ],

i.e. the mean of the row-wise (x -> y) and the column-wise (y -> x) cross-entropies with the
positives on the diagonal.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["info_nce", "nt_xent"]


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


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """NT-Xent (SimCLR; CrossPoint's intra-modal loss) of two normalised (B, d) views of the same B items.

    Over the 2B embeddings z = [z1; z2], row i's positive is its other view (i ± B) and its negatives are the
    other 2B − 2 embeddings (itself excluded): loss = mean_i −log softmax_{j ≠ i}(z_i · z_j / τ)_{pos(i)}.
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"z1 and z2 must both be (B, d), got {tuple(z1.shape)} and {tuple(z2.shape)}")
    B = z1.shape[0]
    z = torch.cat([z1, z2])
    sim = (z @ z.T / tau).masked_fill(torch.eye(2 * B, dtype=torch.bool, device=z.device), float("-inf"))
    target = torch.cat([torch.arange(B, 2 * B), torch.arange(B)]).to(z.device)
    return F.cross_entropy(sim, target)
