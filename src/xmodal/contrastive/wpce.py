"""Weighted point cloud embedding (WPCE; Uesaka et al., ICLR 2025, paper 02 "Method").

An input is a set of M weighted points {(w_i, v_i)}; points are L2-normalised, v̂ = v / ||v||.
The similarity of A = {(w_i, v̂_i)}_{i≤M} and B = {(w'_j, v̂'_j)}_{j≤M'} is

    sim(A, B) = (1 / (M M')) Σ_i Σ_j w_i w'_j [α₁ <v̂_i, v̂'_j> + α₂ k(v̂_i, v̂'_j)],        (WPCE)

computed at training time as an inner product of pooled features with random Fourier features φ:

    f(A) = [ sqrt(α₁) (1/M) Σ_i w_i v̂_i ,  sqrt(α₂) (1/M) Σ_i w_i φ(v̂_i) ],   sim ≈ <f(A), f(B)>.   (RFF)

Weight activations: signed w = a tanh(u / a) (paper default, a = 100); ablation w = a sigmoid(u / a).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .rff import RFF, _check_scale, exact_kernel

__all__ = ["wpce_embed", "wpce_similarity_exact", "wpce_similarity_matrix_exact", "signed_weight", "positive_weight", "EPS"]

EPS = 1e-12  # guards the L2 normalisation of an all-zero point


def _check_alphas(alphas) -> tuple[float, float]:
    try:
        a1, a2 = (float(a) for a in alphas)
    except (TypeError, ValueError):
        raise ValueError(f"alphas must be a pair of numbers (α₁, α₂), got {alphas!r}") from None
    if not (math.isfinite(a1) and math.isfinite(a2)) or a1 < 0 or a2 < 0:
        raise ValueError(f"alphas must be non-negative and finite, got {alphas!r}")
    return a1, a2


def _check_a(a: float) -> float:
    a = float(a)
    if not math.isfinite(a) or a <= 0:
        raise ValueError(f"a (the weight range) must be positive and finite, got {a}")
    return a


def signed_weight(u: torch.Tensor, a: float = 100.0) -> torch.Tensor:
    """Signed weight activation w = a tanh(u / a), range (-a, a), ≈ u for |u| << a."""
    if not isinstance(u, torch.Tensor):
        raise TypeError(f"u must be a torch.Tensor, got {type(u).__name__}")
    a = _check_a(a)
    return a * torch.tanh(u / a)


def positive_weight(u: torch.Tensor, a: float = 100.0) -> torch.Tensor:
    """Positive weight activation w = a sigmoid(u / a), range (0, a), a/2 at u = 0 (paper's ablation)."""
    if not isinstance(u, torch.Tensor):
        raise TypeError(f"u must be a torch.Tensor, got {type(u).__name__}")
    a = _check_a(a)
    return a * torch.sigmoid(u / a)


def wpce_embed(
    points: torch.Tensor,
    weights: torch.Tensor,
    rff: RFF,
    alphas=(2 / 3, 1 / 3),
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Pooled WPCE feature f (RFF) of a batch of weighted point sets.

    points: (B, M, dim) float (normalised here, v̂ = v / max(||v||, EPS)); weights: (B, M) float
    (already activated); rff: an :class:`RFF` with ``rff.dim == dim``; alphas: (α₁, α₂) ≥ 0;
    mask: optional (B, M) bool, True = valid point. Padded points (mask False) contribute nothing
    and **M in the 1/M factor is the number of valid points of each set** (M_b = mask[b].sum()),
    so a padded set has the same feature as the unpadded one. Every set needs ≥ 1 valid point.

    Returns (B, dim + n_features): [sqrt(α₁)(1/M)Σ w_i v̂_i, sqrt(α₂)(1/M)Σ w_i φ(v̂_i)], so
    <f(A), f(B)> ≈ sim(A, B) of :func:`wpce_similarity_exact` (exact when α₂ = 0).
    """
    if not isinstance(points, torch.Tensor) or not isinstance(weights, torch.Tensor):
        raise TypeError("points and weights must be torch tensors")
    if not isinstance(rff, RFF):
        raise TypeError(f"rff must be an xmodal.contrastive.RFF, got {type(rff).__name__}")
    if points.ndim != 3:
        raise ValueError(f"points must be (B, M, dim), got shape {tuple(points.shape)}")
    B, M, dim = points.shape
    if tuple(weights.shape) != (B, M):
        raise ValueError(f"weights must be (B, M) = {(B, M)} to match points, got {tuple(weights.shape)}")
    if dim != rff.dim:
        raise ValueError(f"points have dim {dim} but the RFF was built for dim {rff.dim}")
    if M == 0:
        raise ValueError("point sets are empty (M = 0)")
    a1, a2 = _check_alphas(alphas)
    weights = weights.to(points.dtype)
    if mask is None:
        counts = torch.full((B, 1), float(M), dtype=points.dtype, device=points.device)
    else:
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError("mask must be a bool torch tensor (True = valid point)")
        if tuple(mask.shape) != (B, M):
            raise ValueError(f"mask must be (B, M) = {(B, M)}, got {tuple(mask.shape)}")
        counts = mask.sum(1, keepdim=True).to(points.dtype)
        if bool((counts == 0).any()):
            raise ValueError("every point set needs at least one valid point; some mask rows are all False")
        weights = weights * mask.to(points.dtype)
    v = points / points.norm(dim=-1, keepdim=True).clamp_min(EPS)
    wv = weights.unsqueeze(1)  # (B, 1, M): weighted sums as batched matmuls (no (B, M, D) product temp)
    lin = torch.bmm(wv, v).squeeze(1) / counts  # (B, dim)
    if a2 == 0.0:  # the kernel block is exactly zero: skip the B·M·D cosines
        nonlin = points.new_zeros(B, rff.n_features)
    else:
        nonlin = torch.bmm(wv, rff.cosines(v)).squeeze(1) * (rff.amplitude / counts)  # (B, D)
    return torch.cat([math.sqrt(a1) * lin, math.sqrt(a2) * nonlin], dim=1)


def wpce_similarity_exact(pA, wA, pB, wB, kernel: str = "gauss", scale: float = 0.5, alphas=(2 / 3, 1 / 3)) -> float:
    """Exact WPCE similarity (WPCE) of two weighted point sets, in float64.

    pA: (M, dim), wA: (M,), pB: (M2, dim), wB: (M2,) (numpy arrays or torch tensors); points are
    L2-normalised here; kernel ``"gauss"`` (scale = σ) or ``"imq"`` (scale = c).
    Returns (1/(M M2)) Σ_i Σ_j w_i w'_j [α₁ <v̂_i, v̂'_j> + α₂ k(v̂_i, v̂'_j)] as a float.
    """
    to_np = lambda x: x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, np.float64)
    pA, wA, pB, wB = map(to_np, (pA, wA, pB, wB))
    if pA.ndim != 2 or pB.ndim != 2 or pA.shape[1] != pB.shape[1]:
        raise ValueError(f"pA and pB must be (M, dim) and (M2, dim), got {pA.shape} and {pB.shape}")
    if wA.shape != (pA.shape[0],) or wB.shape != (pB.shape[0],):
        raise ValueError(f"wA, wB must be (M,), (M2,) matching the points, got {wA.shape}, {wB.shape}")
    if pA.shape[0] == 0 or pB.shape[0] == 0:
        raise ValueError("point sets must be non-empty")
    a1, a2 = _check_alphas(alphas)
    _check_scale(scale)
    vA = pA / np.maximum(np.linalg.norm(pA, axis=1, keepdims=True), EPS)
    vB = pB / np.maximum(np.linalg.norm(pB, axis=1, keepdims=True), EPS)
    K = a1 * (vA @ vB.T) + a2 * exact_kernel(kernel, vA, vB, scale)
    return float(wA @ K @ wB / (len(wA) * len(wB)))


def wpce_similarity_matrix_exact(
    pA, wA, pB, wB, kernel: str = "gauss", scale: float = 0.5, alphas=(2 / 3, 1 / 3)
) -> np.ndarray:
    """All-pairs exact WPCE similarity (WPCE) of two collections of weighted point sets, float64.

    pA: (N, M, dim), wA: (N, M), pB: (N2, M2, dim), wB: (N2, M2) (numpy or torch). Returns S: (N, N2)
    with S[a, b] = wpce_similarity_exact(pA[a], wA[a], pB[b], wB[b], ...), computed as one
    (N M) x (N2 M2) kernel matrix contracted with the weights.
    """
    to_np = lambda x: x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, np.float64)
    pA, wA, pB, wB = map(to_np, (pA, wA, pB, wB))
    if pA.ndim != 3 or pB.ndim != 3 or pA.shape[2] != pB.shape[2]:
        raise ValueError(f"pA and pB must be (N, M, dim) and (N2, M2, dim), got {pA.shape} and {pB.shape}")
    if wA.shape != pA.shape[:2] or wB.shape != pB.shape[:2]:
        raise ValueError(f"wA, wB must be (N, M), (N2, M2) matching the points, got {wA.shape}, {wB.shape}")
    if 0 in pA.shape[:2] or 0 in pB.shape[:2]:
        raise ValueError("point collections must be non-empty")
    a1, a2 = _check_alphas(alphas)
    _check_scale(scale)
    (N, M, d), (N2, M2, _) = pA.shape, pB.shape
    vA = pA.reshape(N * M, d)
    vB = pB.reshape(N2 * M2, d)
    vA = vA / np.maximum(np.linalg.norm(vA, axis=1, keepdims=True), EPS)
    vB = vB / np.maximum(np.linalg.norm(vB, axis=1, keepdims=True), EPS)
    K = (a1 * (vA @ vB.T) + a2 * exact_kernel(kernel, vA, vB, scale)).reshape(N, M, N2, M2)
    return np.einsum("am,ambn,bn->ab", wA, K, wB, optimize=True) / (M * M2)
