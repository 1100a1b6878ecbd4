"""Ranks of similarity matrices and PCA bases (papers 02 and 01)."""
from __future__ import annotations

import numpy as np

__all__ = ["numerical_rank", "effective_rank", "pca_basis", "pca_project"]


def numerical_rank(S, rel_tol: float = 1e-3) -> int:
    """Number of singular values of S: (m, n) that are ≥ ``rel_tol`` × the largest (0 for the zero matrix)."""
    s = np.linalg.svd(np.asarray(S, np.float64), compute_uv=False)
    return int((s >= rel_tol * s[0]).sum()) if s.size and s[0] > 0 else 0


def effective_rank(S) -> float:
    """Roy & Vetterli's effective rank exp(H(p)), p = σ / Σσ over the singular values σ of S (0 for S = 0)."""
    s = np.linalg.svd(np.asarray(S, np.float64), compute_uv=False)
    if not s.size or s.sum() <= 0:
        return 0.0
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def pca_basis(XA) -> tuple[np.ndarray, np.ndarray]:
    """Principal directions of the anchors XA: (n, p) → (mean (p,), V (p, r)), columns by decreasing
    variance, r = min(n, p). The top-k projection is (X − mean) @ V[:, :k]."""
    XA = np.asarray(XA, np.float64)
    mu = XA.mean(0)
    _, _, Vt = np.linalg.svd(XA - mu, full_matrices=False)
    return mu, Vt.T


def pca_project(XA, X, k: int) -> np.ndarray:
    """Project X: (m, p) on the top-k principal directions of the anchors XA: (n, p) → (m, k) float64.

    PCA is fitted on the anchors only (centred with the anchor mean); 1 ≤ k ≤ min(n, p)."""
    XA = np.asarray(XA, np.float64)
    if not 1 <= k <= min(XA.shape):
        raise ValueError(f"k must be in 1..min(n, p) = {min(XA.shape)}; got {k}")
    mu, V = pca_basis(XA)
    return (np.asarray(X, np.float64) - mu) @ V[:, :k]
